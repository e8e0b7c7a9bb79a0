using System.Text.RegularExpressions;

namespace HpcAspire.KubernetesManifests.Workloads;

/// <summary>
/// Kubernetes expands <c>$(VAR)</c> in env values, command and args, and turns <c>$$</c> into <c>$</c>. Literal text that
/// happens to read that way (a script's <c>$(name)</c>) is escaped; bash's <c>${x}</c> and <c>$((…))</c> are left as written.
/// </summary>
internal static partial class DependentExpansion
{
    [GeneratedRegex(@"\$(?=\$|\([A-Za-z0-9_.-]+\))")]
    private static partial Regex Expandable();

    public static string EscapeLiteral(string text) => Expandable().Replace(text, "$$$$");
}
