using System.Text;
using Cep.Rules.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Cep.Rules.Yaml;

/// <summary>
/// Reads one rule file into a <see cref="YamlNode"/> tree straight from YamlDotNet's parser events.
/// Hostile input is refused before it costs anything: files over <see cref="MaxBytes"/> are not parsed,
/// nesting deeper than <see cref="MaxDepth"/> stops the parser at that point, every tag is refused (no
/// type is ever resolved from a tag, so no CVE-2018-1000210), and anchors and aliases are refused rather
/// than expanded (so a billion-laughs file is a handful of errors, not gigabytes).
/// </summary>
internal static class SafeYamlReader
{
    /// <summary>Largest rule file read: 1 MiB. Rule files are written by hand; anything bigger is a mistake or an attack.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>Deepest nesting of mappings and lists. A rule needs about six levels.</summary>
    public const int MaxDepth = 64;

    /// <summary>Errors reported for one file before the rest are cut off.</summary>
    public const int MaxErrors = 100;

    /// <summary>
    /// The root node of the file's only document, or null when the file is empty, malformed or hostile
    /// (then <paramref name="errors"/> says why). Every tag, anchor and alias of the file is reported, not
    /// only the first.
    /// </summary>
    public static YamlNode? Read(string text, string file, List<RuleError> errors)
    {
        var size = Encoding.UTF8.GetByteCount(text);
        if (size > MaxBytes)
        {
            errors.Add(new RuleError(new SourceLocation(file, 1, 1), ErrorCodes.FileTooLarge,
                $"the file is {size} bytes; a rule file may hold at most {MaxBytes} bytes (1 MiB)"));
            return null;
        }
        var reader = new Reader(text, file, errors);
        return reader.ReadFile();
    }

    private sealed class Reader(string text, string file, List<RuleError> errors)
    {
        private readonly Parser _parser = new(new StringReader(text));
        private readonly int _errorsBefore = errors.Count;
        private string[]? _lines;
        private Mark _last = Mark.Empty;
        private ParsingEvent? _peeked;

        public YamlNode? ReadFile()
        {
            try
            {
                var root = ReadStream();
                // A file with tags or anchors is refused whole: binding what is left would only add noise.
                return errors.Count == _errorsBefore ? root : null;
            }
            catch (YamlException e)
            {
                Add(At(e.Start), ErrorCodes.YamlSyntax, Clean(e.Message));
            }
            catch (FatalReadException)
            {
                // Already reported: the rest of the file is not looked at.
            }
            catch (InvalidOperationException)
            {
                // YamlDotNet's scanner throws this on some malformed flow collections ("[1, 2\nb: 3").
                Add(At(_last), ErrorCodes.YamlSyntax, "malformed YAML after this point (an unclosed '[' or '{'?)");
            }
            return null;
        }

        private YamlNode? ReadStream()
        {
            Expect<StreamStart>();
            if (Peek() is StreamEnd)
            {
                Add(new SourceLocation(file, 1, 1), ErrorCodes.DocumentCount, "the file holds no rule (it is empty)");
                return null;
            }
            Expect<DocumentStart>();
            var root = ReadNode(1);
            Expect<DocumentEnd>();
            if (Peek() is DocumentStart second)
            {
                Add(At(second.Start), ErrorCodes.DocumentCount,
                    "a rule file holds one YAML document; put several rules in one list under 'rules:'");
                return null;
            }
            return root;
        }

        private YamlNode ReadNode(int depth)
        {
            var e = Next();
            switch (e)
            {
                case AnchorAlias alias:
                    Add(At(alias.Start), ErrorCodes.AliasNotAllowed,
                        $"aliases (*{alias.Value}) are not allowed in rule files; write the value out");
                    return new YamlScalar(At(alias.Start), At(alias.Start), "", ScalarStyle.Plain);
                case Scalar scalar:
                    CheckProperties(scalar);
                    return new YamlScalar(At(scalar.Start), TextStart(scalar), scalar.Value, scalar.Style);
                case SequenceStart sequence:
                    CheckDepth(sequence, depth);
                    CheckProperties(sequence);
                    var items = new List<YamlNode>();
                    while (Peek() is not SequenceEnd)
                    {
                        items.Add(ReadNode(depth + 1));
                    }
                    Next();
                    return new YamlSequence(At(sequence.Start), items);
                case MappingStart mapping:
                    CheckDepth(mapping, depth);
                    CheckProperties(mapping);
                    return ReadMapping(mapping, depth);
                default:
                    throw new YamlException(e.Start, e.End, $"unexpected {e.GetType().Name}");
            }
        }

        private YamlMapping ReadMapping(MappingStart mapping, int depth)
        {
            var entries = new List<KeyValuePair<YamlScalar, YamlNode>>();
            var seen = new Dictionary<string, YamlScalar>(StringComparer.Ordinal);
            while (Peek() is not MappingEnd)
            {
                var keyNode = ReadNode(depth + 1);
                var value = ReadNode(depth + 1);
                if (keyNode is not YamlScalar key)
                {
                    Add(keyNode.Location, ErrorCodes.WrongType, $"a mapping key must be a name, not {keyNode.Describe()}");
                    continue;
                }
                if (seen.TryGetValue(key.Value, out var first))
                {
                    Add(key.Location, ErrorCodes.DuplicateKey,
                        $"duplicate key '{key.Value}' (first written at line {first.Location.Line}, column {first.Location.Column})");
                    continue;
                }
                seen.Add(key.Value, key);
                entries.Add(new KeyValuePair<YamlScalar, YamlNode>(key, value));
            }
            Next();
            return new YamlMapping(At(mapping.Start), entries);
        }

        private void CheckDepth(ParsingEvent e, int depth)
        {
            if (depth > MaxDepth)
            {
                Add(At(e.Start), ErrorCodes.NestingTooDeep, $"mappings and lists are nested more than {MaxDepth} levels deep");
                throw new FatalReadException();
            }
        }

        private void CheckProperties(NodeEvent e)
        {
            if (!e.Tag.IsEmpty)
            {
                Add(At(e.Start), ErrorCodes.TagNotAllowed,
                    $"YAML tags ({e.Tag.Value}) are not allowed in rule files; write the plain value");
            }
            if (!e.Anchor.IsEmpty)
            {
                Add(At(e.Start), ErrorCodes.AliasNotAllowed,
                    $"anchors (&{e.Anchor.Value}) are not allowed in rule files; write each value out");
            }
        }

        private SourceLocation TextStart(Scalar scalar) => scalar.Style switch
        {
            ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted => At(scalar.Start).Offset(1),
            ScalarStyle.Literal or ScalarStyle.Folded => BlockTextStart(scalar),
            _ => At(scalar.Start),
        };

        /// <summary>A block scalar's text starts on the line after its '|' or '>' header, at that line's indentation.</summary>
        private SourceLocation BlockTextStart(Scalar scalar)
        {
            _lines ??= text.Split('\n');
            var line = (int)scalar.Start.Line + 1;
            while (line <= _lines.Length && _lines[line - 1].Trim().Length == 0)
            {
                line++;
            }
            if (line > _lines.Length)
            {
                return At(scalar.Start);
            }
            var content = _lines[line - 1];
            var indent = content.Length - content.TrimStart(' ').Length;
            return new SourceLocation(file, line, indent + 1);
        }

        private ParsingEvent Next()
        {
            var e = Peek();
            _peeked = null;
            _last = e.Start;
            return e;
        }

        private ParsingEvent Peek()
        {
            if (_peeked is null)
            {
                if (!_parser.MoveNext() || _parser.Current is null)
                {
                    throw new YamlException(_last, _last, "unexpected end of the file");
                }
                _peeked = _parser.Current;
            }
            return _peeked;
        }

        private T Expect<T>()
            where T : ParsingEvent
        {
            var e = Next();
            return e as T ?? throw new YamlException(e.Start, e.End, $"expected {typeof(T).Name}, found {e.GetType().Name}");
        }

        private SourceLocation At(Mark mark) =>
            new(file, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));

        private void Add(SourceLocation at, string code, string message)
        {
            if (errors.Count - _errorsBefore == MaxErrors)
            {
                errors.Add(new RuleError(at, ErrorCodes.TooManyErrors, $"more than {MaxErrors} errors in this file; the rest are not reported"));
                throw new FatalReadException();
            }
            errors.Add(new RuleError(at, code, message));
        }

        /// <summary>YamlDotNet prefixes its messages with "(Line: 1, Col: 5, Idx: 4) - (...): "; the location is ours to print.</summary>
        private static string Clean(string message)
        {
            var index = message.IndexOf("): ", StringComparison.Ordinal);
            var trimmed = message.StartsWith('(') && index >= 0 ? message[(index + 3)..] : message;
            return trimmed.TrimEnd('.');
        }
    }

    /// <summary>Stops reading a file whose rest must not be looked at (too deep, too many errors).</summary>
    private sealed class FatalReadException : Exception
    {
    }
}
