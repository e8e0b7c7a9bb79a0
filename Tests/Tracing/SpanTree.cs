using System.Diagnostics;
using HpcAspire.Messaging;

namespace HpcAspire.Tests.Tracing;

/// <summary>Reading a captured trace: roots, children, messaging attributes, and waiting for a span to turn up.</summary>
internal static class SpanTree
{
    public static void AssertMessaging(Activity span, string system, string destination, string operation)
    {
        Assert.Equal(system, span.GetTagItem(MessagingAttributes.System));
        Assert.Equal(destination, span.GetTagItem(MessagingAttributes.DestinationName));
        Assert.Equal(operation, span.GetTagItem(MessagingAttributes.OperationType));
    }

    public static void AssertChild(List<Activity> trace, Activity parent, string stage) =>
        Assert.Contains(trace, s => s.DisplayName == stage && s.ParentSpanId == parent.SpanId && s.Kind == ActivityKind.Internal);

    /// <summary>The span's root within <paramref name="spans"/>, or null when an ancestor is missing.</summary>
    public static Activity? RootOf(List<Activity> spans, Activity span)
    {
        var current = span;
        while (current.ParentSpanId != default)
        {
            var parentId = current.ParentSpanId;
            current = spans.FirstOrDefault(s => s.SpanId == parentId);
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    public static async Task<T?> WaitForAsync<T>(Func<T?> probe, TimeSpan timeout) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } found)
            {
                return found;
            }

            await Task.Delay(250);
        }

        return probe();
    }
}
