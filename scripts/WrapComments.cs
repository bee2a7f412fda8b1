#:package Microsoft.CodeAnalysis.CSharp@5.0.0
// Wraps full-line // and /// comments longer than 100 characters at word boundaries, the part of
// the line-length rule CSharpier leaves alone (it never reflows comments). Run by scripts/format
// after CSharpier:
//   dotnet run scripts/WrapComments.cs -- [--check] PATH...     (files or folders; bin/ and obj/
//   are skipped)
// --check changes nothing and exits 1 when a file would change. Comments are found with Roslyn, so
// a line starting
// with // inside a string literal is never touched; <code> blocks of doc comments, lines of //// and lines holding a
// single unbreakable word (a URL) are kept as they are, doc comments never break inside an XML tag. The words cut from
// a line move into the next line of the same paragraph (re-filled), so paragraphs are not left ragged; continuation
// lines repeat the comment's prefix and indentation. Files listed in .csharpierignore are skipped.
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

const int Limit = 100;
bool check = args.Contains("--check");
var paths = args.Where(a => a != "--check").ToList();
if (paths.Count == 0)
{
    Console.Error.WriteLine("usage: dotnet run scripts/WrapComments.cs -- [--check] PATH...");
    return 2;
}
var files = new List<string>();
foreach (var p in paths)
{
    if (File.Exists(p))
        files.Add(p);
    else if (Directory.Exists(p))
        files.AddRange(
            Directory
                .EnumerateFiles(p, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(d => d is "bin" or "obj"))
        );
    else
    {
        Console.Error.WriteLine($"WrapComments: no such file or folder: {p}");
        return 2;
    }
}

// .csharpierignore in the current folder (the repository root, where scripts/format runs): its file and folder
// lines (no wildcards) are skipped here too.
var ignored = File.Exists(".csharpierignore")
    ? File.ReadAllLines(".csharpierignore")
        .Select(l => l.Trim())
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(l => l.TrimStart('/'))
        .ToList()
    : [];
files = files
    .Where(f =>
    {
        var rel = Path.GetRelativePath(".", f).Replace('\\', '/');
        return !ignored.Any(i =>
            i.EndsWith('/') ? rel.StartsWith(i, StringComparison.Ordinal) : rel == i
        );
    })
    .ToList();
files.Sort(StringComparer.Ordinal);

int changedFiles = 0;
foreach (var file in files)
{
    var bytes = File.ReadAllBytes(file);
    bool bom = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF;
    var text = new UTF8Encoding(false, true).GetString(
        bytes,
        bom ? 3 : 0,
        bytes.Length - (bom ? 3 : 0)
    );
    var wrapped = Wrap(text);
    if (wrapped == text)
        continue;
    changedFiles++;
    if (check)
        Console.WriteLine($"{file}: comments longer than {Limit} characters");
    else
        File.WriteAllBytes(
            file,
            [
                .. (bom ? new byte[] { 0xEF, 0xBB, 0xBF } : []),
                .. new UTF8Encoding(false).GetBytes(wrapped),
            ]
        );
}
if (check && changedFiles > 0)
{
    Console.WriteLine($"{changedFiles} file(s) have comments to wrap; run scripts/format");
    return 1;
}
if (!check)
    Console.WriteLine($"WrapComments: {changedFiles} of {files.Count} file(s) rewritten");
return 0;

static string Wrap(string text)
{
    var root = CSharpSyntaxTree
        .ParseText(text, new CSharpParseOptions(LanguageVersion.Preview))
        .GetRoot();
    var lines = text.Split('\n');
    var output = new StringBuilder(text.Length + 256);
    bool inCode = false;
    int offset = 0;
    // The words cut from the end of a wrapped line move to the start of the next line of the same paragraph, so a
    // paragraph is re-filled instead of left ragged; at the paragraph's end they become a line of their own.
    string? carry = null,
        carryPrefix = null;
    string newline = "\n";
    void FlushCarry()
    {
        if (carry is not null)
            output.Append(carryPrefix).Append(carry).Append(newline);
        carry = null;
    }
    for (int i = 0; i < lines.Length; i++)
    {
        var raw = lines[i];
        int lineStart = offset;
        offset += raw.Length + 1;
        bool cr = raw.EndsWith('\r');
        var line = cr ? raw[..^1] : raw;
        newline = cr ? "\r\n" : "\n";
        var last = i == lines.Length - 1;
        var indent = line.Length - line.TrimStart().Length;
        bool comment =
            line.AsSpan(indent).StartsWith("//")
            && !line.AsSpan(indent).StartsWith("////")
            && IsComment(root, lineStart + indent);
        if (comment && line.Contains("<code>", StringComparison.Ordinal))
            inCode = true;
        bool closesCode = comment && line.Contains("</code>", StringComparison.Ordinal);
        if (!comment || inCode || closesCode)
        {
            if (closesCode)
                inCode = false;
            FlushCarry();
            output.Append(line);
            if (!last)
                output.Append(newline);
            continue;
        }
        bool doc = line.AsSpan(indent).StartsWith("///");
        int slashes = doc ? 3 : 2;
        int prefixLength =
            indent
            + slashes
            + (line.Length > indent + slashes && line[indent + slashes] == ' ' ? 1 : 0);
        var prefix = line[..prefixLength];
        var body = line[prefixLength..];
        var continuation = prefix + new string(' ', body.Length - body.TrimStart(' ').Length);
        var current = prefix;
        if (carry is not null)
        {
            if (continuation == carryPrefix && ContinuesParagraph(body.TrimStart(' ')))
            {
                body = carry + " " + body.TrimStart(' ');
                current = continuation;
                carry = null;
            }
            else
                FlushCarry();
        }
        bool cutAny = false;
        while (current.Length + body.Length > Limit && current.Length < Limit)
        {
            int cut = LastBreak(body, Limit - current.Length, doc);
            if (cut <= 0)
                break; // one word longer than the line: keep it whole
            output.Append(current).Append(body[..cut].TrimEnd()).Append(newline);
            body = body[(cut + 1)..].TrimStart();
            current = continuation;
            cutAny = true;
        }
        bool nextContinues = !last && !EndsParagraph(body);
        if (cutAny && nextContinues)
        {
            carry = body;
            carryPrefix = continuation;
            continue;
        }
        output.Append(current).Append(body);
        if (!last)
            output.Append(newline);
    }
    FlushCarry();
    return output.ToString();
}

// The last space at or before max where the text may break: in doc comments never inside an XML tag (<see cref=.../>).
static int LastBreak(string body, int max, bool doc)
{
    bool inTag = false;
    int best = -1;
    for (int k = 0; k < body.Length && k <= max; k++)
    {
        char ch = body[k];
        if (doc && ch == '<')
            inTag = true;
        else if (doc && ch == '>')
            inTag = false;
        else if (ch == ' ' && !inTag && k > 0 && body[k - 1] != ' ')
            best = k;
    }
    return best;
}

// Whether a comment line's text (without prefix and indentation) continues the paragraph of the line before it.
static bool ContinuesParagraph(string text)
{
    if (text.Length == 0)
        return false;
    string[] blockStarts =
    [
        "<para",
        "</",
        "<summary",
        "<remarks",
        "<returns",
        "<param ",
        "<typeparam ",
        "<list",
        "<item",
        "<term",
        "<description",
        "<example",
        "<exception",
        "<code",
        "<inheritdoc",
        "<value",
        "- ",
        "* ",
        "• ",
        "| ",
        "TODO",
    ];
    if (blockStarts.Any(b => text.StartsWith(b, StringComparison.Ordinal)))
        return false;
    int digits = 0;
    while (digits < text.Length && char.IsDigit(text[digits]))
        digits++;
    return !(digits > 0 && digits < text.Length && text[digits] is '.' or ')'); // "1. " or "2) ": a numbered list item
}

// Whether a line's text ends a paragraph (a block tag closes), so words cut from it stay on a line of their own.
static bool EndsParagraph(string text)
{
    var t = text.TrimEnd();
    return t.EndsWith("</para>", StringComparison.Ordinal)
        || t.EndsWith("</summary>", StringComparison.Ordinal)
        || t.EndsWith("</remarks>", StringComparison.Ordinal)
        || t.EndsWith("</returns>", StringComparison.Ordinal)
        || t.EndsWith("</param>", StringComparison.Ordinal)
        || t.EndsWith("</item>", StringComparison.Ordinal)
        || t.EndsWith("</description>", StringComparison.Ordinal)
        || t.EndsWith("<para>", StringComparison.Ordinal)
        || t.EndsWith("</typeparam>", StringComparison.Ordinal)
        || t.EndsWith("</value>", StringComparison.Ordinal);
}

// True when the // at position is comment trivia (not text inside a string literal or disabled code).
static bool IsComment(SyntaxNode root, int position)
{
    var trivia = root.FindTrivia(position, findInsideTrivia: false);
    return trivia.IsKind(SyntaxKind.SingleLineCommentTrivia)
        || trivia.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia);
}
