using System.Reflection;

namespace HpcAspire.Tests.Support;

/// <summary>
/// Every test class says which kind of test it is, so <c>--filter "Kind=Unit"</c> keeps meaning "the fast suite":
/// a class without a Kind, or with a kind not in <see cref="TestKinds"/>, would drop out of every filtered run unnoticed.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class TestKindConventionTests
{
    [Fact]
    public void Every_test_class_has_exactly_one_known_kind()
    {
        var classes = TestClasses(typeof(TestKindConventionTests).Assembly).ToList();

        var problems = Problems(classes).ToList();

        Assert.True(classes.Count > 50, $"only {classes.Count} test classes found: the search for [Fact] and [Theory] misses some");
        Assert.True(problems.Count == 0,
            $"Give each of these a [Trait(TestKinds.Trait, TestKinds.Unit|Component|EndToEnd|Browser)] (Tests/Support/TestKinds.cs says which):\n"
            + string.Join("\n", problems));
    }

    [Fact]
    public void A_class_without_a_kind_or_with_an_unknown_or_second_kind_is_reported_by_name()
    {
        var problems = Problems([typeof(WithoutKind), typeof(WithUnknownKind), typeof(WithTwoKinds), typeof(WithOneKind)]).ToList();

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains(nameof(WithoutKind), StringComparison.Ordinal) && p.Contains("no Kind", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains(nameof(WithUnknownKind), StringComparison.Ordinal) && p.Contains("'Slow'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains(nameof(WithTwoKinds), StringComparison.Ordinal) && p.Contains("Unit, Component", StringComparison.Ordinal));
    }

    /// <summary>The classes xunit runs tests from: those with a method marked [Fact] or [Theory] (a Theory is a Fact).</summary>
    private static IEnumerable<Type> TestClasses(Assembly assembly) =>
        assembly.GetTypes().Where(type => type.IsClass && !type.IsAbstract
            && type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
                .Any(method => method.GetCustomAttributes<FactAttribute>(inherit: true).Any()));

    private static IEnumerable<string> Problems(IEnumerable<Type> classes)
    {
        foreach (var type in classes)
        {
            var kinds = KindsOf(type).ToList();
            if (kinds.Count == 0)
            {
                yield return $"{type.FullName}: no Kind trait";
            }
            else if (kinds.Count > 1)
            {
                yield return $"{type.FullName}: {kinds.Count} Kind traits ({string.Join(", ", kinds)}), one is the rule";
            }
            else if (!TestKinds.All.Contains(kinds[0]))
            {
                yield return $"{type.FullName}: Kind '{kinds[0]}' is none of {string.Join(", ", TestKinds.All)}";
            }
        }
    }

    /// <summary>The values of the class's Trait("Kind", …) attributes, read as xunit reads them: from the attribute's arguments.</summary>
    private static IEnumerable<string> KindsOf(Type type) =>
        type.GetCustomAttributesData()
            .Where(attribute => attribute.AttributeType == typeof(TraitAttribute)
                && (string?)attribute.ConstructorArguments[0].Value == TestKinds.Trait)
            .Select(attribute => (string?)attribute.ConstructorArguments[1].Value ?? "");

    // Stand-ins for test classes, without [Fact] so xunit does not run them.
    private sealed class WithoutKind;

    [Trait(TestKinds.Trait, "Slow")]
    private sealed class WithUnknownKind;

    [Trait(TestKinds.Trait, TestKinds.Unit)]
    [Trait(TestKinds.Trait, TestKinds.Component)]
    private sealed class WithTwoKinds;

    [Trait(TestKinds.Trait, TestKinds.Unit)]
    private sealed class WithOneKind;
}
