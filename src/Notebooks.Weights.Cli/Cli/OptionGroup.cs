using System.Reflection;

namespace Notebooks.Weights.Cli;

/// <summary>
/// A set of options several verbs share, declared once: a verb holds the group as a field and
/// <see cref="CliHost"/> adds the group's <see cref="Option"/> properties to the verb's command, in
/// declaration order. The group also reads them back into one value (its <c>Read</c> method), so
/// the verbs neither redeclare nor re-read the common options.
/// </summary>
public abstract class OptionGroup
{
    /// <summary>The group's options (its public <see cref="Option"/> properties).</summary>
    public IEnumerable<Option> Options =>
        GetType()
            .GetProperties(BindingFlags.Instance | BindingFlags.Public)
            .Where(p => typeof(Option).IsAssignableFrom(p.PropertyType))
            .OrderBy(f => f.MetadataToken)
            .Select(f => f.GetValue(this))
            .OfType<Option>();
}
