using System.Reflection;
using HpcAspire.Processor.Core;
using HpcAspire.Sink.Core;
using HpcAspire.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HpcAspire.Tests.Processor;

/// <summary>
/// The processor and the sink are written once: their cores know no broker, and the RabbitMQ application's services are
/// built without anything of Kafka's.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class TransportNeutralCoreTests
{
    private static readonly string[] BrokerAssemblies = ["Confluent.Kafka", "RabbitMQ.Client", "HpcAspire.Messaging.Kafka", "HpcAspire.Messaging.RabbitMQ"];

    public static TheoryData<string> CoreNamespaces => new() { typeof(ProcessorCore).Namespace!, typeof(SinkCore).Namespace! };

    [Theory]
    [MemberData(nameof(CoreNamespaces))]
    public void No_type_of_a_core_holds_takes_or_returns_a_brokers_type(string ns)
    {
        var types = new[] { typeof(ProcessorCore).Assembly, typeof(SinkCore).Assembly }.SelectMany(a => a.GetTypes()).Where(t => t.Namespace == ns).ToList();
        Assert.NotEmpty(types);
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var used = types.SelectMany(type => type.GetFields(all).Select(f => (type, f.Name, f.FieldType))
            .Concat(type.GetProperties(all).Select(p => (type, p.Name, p.PropertyType)))
            .Concat(type.GetMethods(all).SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType).Select(t => (type, m.Name, t))))
            .Concat(type.GetConstructors(all).SelectMany(c => c.GetParameters().Select(p => (type, c.Name, p.ParameterType)))));

        var offending = used.Where(u => Flatten(u.Item3).Any(t => BrokerAssemblies.Contains(t.Assembly.GetName().Name)))
            .Select(u => $"{u.type.Name}.{u.Name}: {u.Item3}").Distinct().ToList();
        Assert.True(offending.Count == 0, "Broker types in a core: " + string.Join("; ", offending));
    }

    [Theory]
    [InlineData("generator")]
    [InlineData("processor")]
    [InlineData("sink")]
    public void The_rabbitmq_application_registers_nothing_of_kafkas(string service)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Messaging:Transport"] = "RabbitMQ",
            ["ConnectionStrings:rabbitmq"] = "amqp://guest:guest@localhost:5672",
            ["ConnectionStrings:schema-registry"] = "http://localhost:8081",
        });
        switch (service)
        {
            case "generator":
                builder.AddGenerator();
                break;
            case "processor":
                builder.AddProcessor();
                break;
            default:
                builder.AddSink();
                break;
        }

        var kafka = builder.Services
            .SelectMany(d => new[] { d.ServiceType, d.ImplementationType, d.ImplementationInstance?.GetType() })
            .OfType<Type>().SelectMany(Flatten)
            .Where(t => t.Assembly.GetName().Name is "Confluent.Kafka" or "HpcAspire.Messaging.Kafka")
            .Select(t => t.FullName).Distinct().ToList();
        Assert.True(kafka.Count == 0, "Kafka types registered for the RabbitMQ " + service + ": " + string.Join(", ", kafka));
        Assert.Contains(builder.Services, d => d.ImplementationType?.Assembly.GetName().Name == "HpcAspire.Messaging.RabbitMQ"
            || d.ImplementationType?.BaseType?.Assembly.GetName().Name == "HpcAspire.Messaging.RabbitMQ");
    }

    private static IEnumerable<Type> Flatten(Type type) =>
        type.HasElementType ? Flatten(type.GetElementType()!)
        : type.IsGenericType ? type.GetGenericArguments().SelectMany(Flatten).Prepend(type.GetGenericTypeDefinition())
        : [type];
}
