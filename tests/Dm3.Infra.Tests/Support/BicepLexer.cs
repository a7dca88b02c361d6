using System.Text;

namespace Dm3.Infra.Tests.Support;

/// <summary>
/// A string literal of a Bicep file: its raw content (interpolations kept as written) and its span in the
/// source, from the opening quote (<see cref="Offset"/>) to just after the closing quote (<see cref="End"/>).
/// </summary>
internal sealed record BicepStringLiteral(string Content, int Offset, int End, bool IsMultiline)
{
    /// <summary>True when the literal contains <c>${…}</c> interpolations.</summary>
    public bool IsInterpolated => !IsMultiline && Content.Contains("${", StringComparison.Ordinal);
}

/// <summary>
/// Just enough of Bicep's lexical grammar to read templates safely with regular expressions:
/// comments are blanked out (so braces and quotes in comments cannot confuse the reader), string literals are
/// collected (single-quoted with escapes and nested <c>${…}</c> interpolations, and ''' multi-line strings).
/// Offsets and line breaks are preserved, so positions in <see cref="Code"/> match the source.
/// </summary>
internal sealed class BicepLexer
{
    private readonly string _source;
    private readonly StringBuilder _code;
    private readonly List<BicepStringLiteral> _strings = [];
    private readonly List<string> _comments = [];
    private int _pos;

    private BicepLexer(string source)
    {
        _source = source;
        _code = new StringBuilder(source);
    }

    /// <summary>The source with every comment replaced by spaces (line breaks kept).</summary>
    public string Code => _code.ToString();

    public IReadOnlyList<BicepStringLiteral> Strings => _strings;

    public IReadOnlyList<string> Comments => _comments;

    public static BicepLexer Read(string source)
    {
        var lexer = new BicepLexer(source);
        lexer.ReadCode(untilCloseBrace: false);
        return lexer;
    }

    // Reads code until the end (or, inside an interpolation, until the matching '}').
    private void ReadCode(bool untilCloseBrace)
    {
        var depth = 0;
        while (_pos < _source.Length)
        {
            var c = _source[_pos];
            if (c == '/' && Peek(1) == '/')
            {
                var start = _pos;
                while (_pos < _source.Length && _source[_pos] != '\n')
                {
                    _pos++;
                }
                Blank(start, _pos);
            }
            else if (c == '/' && Peek(1) == '*')
            {
                var start = _pos;
                var end = _source.IndexOf("*/", _pos + 2, StringComparison.Ordinal);
                _pos = end < 0 ? _source.Length : end + 2;
                Blank(start, _pos);
            }
            else if (c == '\'' && Peek(1) == '\'' && Peek(2) == '\'')
            {
                ReadMultilineString();
            }
            else if (c == '\'')
            {
                ReadString();
            }
            else if (c == '{')
            {
                depth++;
                _pos++;
            }
            else if (c == '}')
            {
                if (untilCloseBrace && depth == 0)
                {
                    _pos++;
                    return;
                }
                depth--;
                _pos++;
            }
            else
            {
                _pos++;
            }
        }
    }

    private void ReadString()
    {
        var start = _pos;
        _pos++; // opening quote
        while (_pos < _source.Length)
        {
            var c = _source[_pos];
            if (c == '\\')
            {
                _pos += 2;
            }
            else if (c == '$' && Peek(1) == '{')
            {
                _pos += 2;
                ReadCode(untilCloseBrace: true);
            }
            else if (c == '\'')
            {
                _pos++;
                break;
            }
            else if (c == '\n')
            {
                break; // unterminated: Bicep rejects it; stop at the line end
            }
            else
            {
                _pos++;
            }
        }
        var end = Math.Min(_pos, _source.Length);
        var contentEnd = end > start + 1 && _source[end - 1] == '\'' ? end - 1 : end;
        _strings.Add(new BicepStringLiteral(_source[(start + 1)..contentEnd], start, end, IsMultiline: false));
    }

    private void ReadMultilineString()
    {
        var start = _pos;
        var end = _source.IndexOf("'''", _pos + 3, StringComparison.Ordinal);
        _pos = end < 0 ? _source.Length : end + 3;
        var contentEnd = end < 0 ? _source.Length : end;
        _strings.Add(new BicepStringLiteral(_source[(start + 3)..contentEnd], start, _pos, IsMultiline: true));
    }

    private void Blank(int start, int end)
    {
        _comments.Add(_source[start..end]);
        for (var i = start; i < end; i++)
        {
            if (_code[i] != '\n' && _code[i] != '\r')
            {
                _code[i] = ' ';
            }
        }
    }

    private char Peek(int ahead) => _pos + ahead < _source.Length ? _source[_pos + ahead] : '\0';
}
