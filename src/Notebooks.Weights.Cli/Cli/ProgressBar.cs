namespace Notebooks.Weights.Cli;

/// <summary>A one-line text progress bar on stderr (redrawn with carriage returns).</summary>
sealed class ProgressBar(TextWriter w)
{
    int _last = -1;
    bool _shown;

    public void Update(int step, int total, string note)
    {
        int pct = (int)(100L * step / total);
        if (pct == _last && step != total)
            return;
        _last = pct;
        int filled = pct * 30 / 100;
        w.Write(
            $"\r[{new string('#', filled)}{new string('-', 30 - filled)}] {step}/{total} {note}   "
        );
        _shown = true;
    }

    public void Done()
    {
        if (_shown)
            w.WriteLine();
    }
}
