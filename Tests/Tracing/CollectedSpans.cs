using System.Collections;
using System.Diagnostics;

namespace HpcAspire.Tests.Tracing;

/// <summary>The in-memory exporter's list, safe to read while services on other threads end spans.</summary>
internal sealed class CollectedSpans : ICollection<Activity>
{
    private readonly List<Activity> spans = [];

    public int Count
    {
        get { lock (spans) { return spans.Count; } }
    }

    public bool IsReadOnly => false;

    public List<Activity> Snapshot()
    {
        lock (spans)
        {
            return [.. spans];
        }
    }

    public void Add(Activity item)
    {
        lock (spans)
        {
            spans.Add(item);
        }
    }

    public void Clear()
    {
        lock (spans)
        {
            spans.Clear();
        }
    }

    public bool Contains(Activity item)
    {
        lock (spans)
        {
            return spans.Contains(item);
        }
    }

    public void CopyTo(Activity[] array, int arrayIndex)
    {
        lock (spans)
        {
            spans.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(Activity item)
    {
        lock (spans)
        {
            return spans.Remove(item);
        }
    }

    public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
