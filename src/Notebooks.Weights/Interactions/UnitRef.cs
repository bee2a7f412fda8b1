using System.Globalization;
using Notebooks.Weights.Models;

namespace Notebooks.Weights.Interactions;

/// <summary>One unit (channel) of a layer, written <c>layer:unit</c> on the command line (e.g.
/// <c>conv2d2:7</c>, <c>ReLU347:12</c>).</summary>
public sealed record UnitRef(string Layer, int Unit)
{
    /// <summary>
    /// Parses <c>layer:unit</c>; the unit is the text after the last colon, so layer names may
    /// contain colons.
    /// <paramref name="what"/> names the input in errors (e.g. "--from").
    /// </summary>
    public static UnitRef Parse(string text, string what = "unit")
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
            throw new ArgumentException(
                $"{what}: expected LAYER:UNIT (e.g. conv2d2:7); got '{text}'."
            );
        var unitText = text[(colon + 1)..];
        if (!int.TryParse(unitText, NumberStyles.None, CultureInfo.InvariantCulture, out int unit))
            throw new ArgumentException(
                $"{what}: the unit after ':' must be a non-negative integer; got '{unitText}' in '{text}'."
            );
        return new UnitRef(text[..colon], unit);
    }

    /// <summary>Throws unless the layer exists, is spatial and has a channel <see cref="Unit"/> (at
    /// the model's default input size).</summary>
    public LayerInfo Check(VisionModel model, string what)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Layer(Layer);
        var info = model.LayerInfo(Layer);
        if (!info.IsSpatial)
            throw new ArgumentException(
                $"{what} '{this}': layer '{Layer}' has shape [{string.Join(", ", info.Shape)}]; interactions need a spatial [N, C, H, W] layer."
            );
        if (Unit < 0 || Unit >= info.Channels)
            throw new ArgumentOutOfRangeException(
                what,
                $"{what} '{this}': unit {Unit} is out of range for layer '{Layer}' of {model.Name} with {info.Channels} channels (valid 0..{info.Channels - 1})."
            );
        return info;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Layer}:{Unit}";
}
