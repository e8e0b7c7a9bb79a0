using System.Globalization;

namespace HpcAspire.SchemaRegistry;

/// <summary>A subject version as clients name it in a path: a number, or <c>latest</c> (also spelt <c>-1</c>).</summary>
internal readonly record struct VersionSelector(int? Number)
{
    public static readonly VersionSelector Latest = new(null);

    public bool IsLatest => Number is null;

    public static VersionSelector Parse(string text)
    {
        if (string.Equals(text, "latest", StringComparison.OrdinalIgnoreCase))
        {
            return Latest;
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            if (number == -1)
            {
                return Latest;
            }

            if (number >= 1)
            {
                return new VersionSelector(number);
            }
        }

        throw SchemaRegistryErrors.InvalidVersion(text).AsException();
    }
}
