using HpcAspire.SchemaRegistry.Compatibility;
using HpcAspire.Tests.Support;
using static HpcAspire.Tests.SchemaRegistry.NodeReadingSchemas;
using AvroSchema = Avro.Schema;

namespace HpcAspire.Tests.SchemaRegistry;

/// <summary>Which earlier versions each compatibility level checks a new schema against, and in which direction.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class CompatibilityCheckerTests
{
    // Adding an optional field is fine both ways; adding a required one only forward (old readers
    // skip it); dropping a required field only backward (new readers never ask for it).
    private static readonly AvroSchema WithoutUnit = AvroSchema.Parse(V1);
    private static readonly AvroSchema WithOptionalUnit = AvroSchema.Parse(V2WithOptionalUnit);
    private static readonly AvroSchema WithRequiredRack = AvroSchema.Parse(AddedRackWithoutDefault);
    private static readonly AvroSchema ValueString = AvroSchema.Parse(ValueAsString);

    private static CompatibilityLevel Level(string wireName) =>
        CompatibilityLevels.TryParse(wireName, out var level) ? level : throw new ArgumentException(wireName);

    private static IReadOnlyList<(int Version, AvroSchema Schema)> History(params AvroSchema[] versions) =>
        versions.Select((schema, index) => (index + 1, schema)).ToList();

    [Theory]
    [InlineData("BACKWARD", true)]
    [InlineData("FORWARD", true)]
    [InlineData("FULL", true)]
    [InlineData("NONE", true)]
    public void Optional_field_added_passes_every_level(string level, bool compatible) =>
        Assert.Equal(compatible, CompatibilityChecker.Check(Level(level), WithOptionalUnit, History(WithoutUnit)).Count == 0);

    [Theory]
    [InlineData("BACKWARD", false)]
    [InlineData("BACKWARD_TRANSITIVE", false)]
    [InlineData("FORWARD", true)]
    [InlineData("FORWARD_TRANSITIVE", true)]
    [InlineData("FULL", false)]
    [InlineData("NONE", true)]
    public void Required_field_added_passes_only_forward_levels(string level, bool compatible) =>
        Assert.Equal(compatible, CompatibilityChecker.Check(Level(level), WithRequiredRack, History(WithoutUnit)).Count == 0);

    [Theory]
    [InlineData("BACKWARD", true)]
    [InlineData("FORWARD", false)]
    [InlineData("FULL", false)]
    public void Required_field_dropped_passes_only_backward_levels(string level, bool compatible) =>
        Assert.Equal(compatible, CompatibilityChecker.Check(Level(level), WithoutUnit, History(WithRequiredRack)).Count == 0);

    [Theory]
    [InlineData("BACKWARD", true)]
    [InlineData("BACKWARD_TRANSITIVE", false)]
    [InlineData("FULL", true)]
    [InlineData("FULL_TRANSITIVE", false)]
    public void Transitive_levels_also_check_versions_before_the_latest(string level, bool compatible)
    {
        // Version 1 has value as a string; version 2 went back to double through a NONE period.
        var messages = CompatibilityChecker.Check(Level(level), WithOptionalUnit, History(ValueString, WithoutUnit));

        Assert.Equal(compatible, messages.Count == 0);
        if (!compatible)
        {
            Assert.Contains("{oldSchemaVersion: 1}", messages);
        }
    }

    [Fact]
    public void Messages_name_the_problem_the_version_and_the_level()
    {
        var messages = CompatibilityChecker.Check(CompatibilityLevel.Backward, WithRequiredRack, History(WithoutUnit));

        Assert.Contains(messages, m => m.Contains("READER_FIELD_MISSING_DEFAULT_VALUE") && m.Contains("'rack'"));
        Assert.Contains("{oldSchemaVersion: 1}", messages);
        Assert.Equal("{compatibility: 'BACKWARD'}", messages[^1]);
    }

    [Fact]
    public void First_version_of_a_subject_is_always_compatible() =>
        Assert.Empty(CompatibilityChecker.Check(CompatibilityLevel.FullTransitive, ValueString, History()));

    [Theory]
    [InlineData("backward_transitive")]
    [InlineData("FULL")]
    [InlineData("None")]
    [InlineData("forward")]
    public void Level_names_parse_in_any_case_and_print_in_upper_case(string wireName)
    {
        Assert.True(CompatibilityLevels.TryParse(wireName, out var level));
        Assert.Equal(wireName.ToUpperInvariant(), level.ToWireName());
    }

    [Theory]
    [InlineData("SIDEWAYS")]
    [InlineData("")]
    [InlineData(null)]
    public void Unknown_level_names_do_not_parse(string? wireName) =>
        Assert.False(CompatibilityLevels.TryParse(wireName, out _));
}
