// Convention-based formatter discovery for .NET Interactive without a package dependency: .NET
// Interactive's Formatter looks for an attribute whose type NAME is "TypeFormatterSourceAttribute"
// (any assembly), reads its FormatterSourceType and PreferredMimeTypes properties, creates the
// source, calls CreateTypeFormatters() and, for each returned object, uses its MimeType property
// and its bool Format(object, TextWriter) method. This internal copy lives in the Formatting
// package's namespace so the name matches either way.
namespace Microsoft.DotNet.Interactive.Formatting;

[AttributeUsage(
    AttributeTargets.Class | AttributeTargets.Struct,
    AllowMultiple = true,
    Inherited = true
)]
internal sealed class TypeFormatterSourceAttribute(Type formatterSourceType) : Attribute
{
    public Type FormatterSourceType { get; } = formatterSourceType;
    public string[]? PreferredMimeTypes { get; set; }
}
