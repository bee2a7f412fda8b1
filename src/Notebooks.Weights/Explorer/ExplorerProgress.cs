namespace Notebooks.Weights.Explorer;

/// <summary>Progress of an explorer run: <paramref name="Done"/> of <paramref name="Total"/> in a
/// phase, with a note.</summary>
public sealed record ExplorerProgress(string Phase, long Done, long Total, string Note = "");
