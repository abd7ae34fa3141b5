using System.Net;

namespace Cep.Runner.Inputs;

/// <summary>Where an input's lines come from.</summary>
internal enum InputKind
{
    JsonLinesFile,
    CsvFile,
    StandardInput,
    TcpConnect,
    TcpListen,
}

/// <summary>One <c>--input [NAME=]SOURCE</c>, parsed.</summary>
internal sealed record InputSpec(string Stream, string Source, InputKind Kind, string? Path = null, string? Host = null, int Port = 0)
{
    /// <summary>Stream name given to unnamed socket inputs.</summary>
    public const string DefaultSocketStream = "tcp";

    /// <summary>Stream name given to an unnamed <c>-</c>.</summary>
    public const string DefaultStdinStream = "stdin";

    /// <summary>File inputs end by themselves and are read on the processing thread.</summary>
    public bool IsFile => Kind is InputKind.JsonLinesFile or InputKind.CsvFile;

    /// <summary>Parses <c>[NAME=]SOURCE</c>; returns false with a message for bad usage.</summary>
    public static bool TryParse(string text, out InputSpec? spec, out string? error)
    {
        spec = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty --input";
            return false;
        }
        string? name = null;
        var source = text;
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0 && IsStreamName(text.AsSpan(0, eq)))
        {
            name = text[..eq];
            source = text[(eq + 1)..];
        }
        if (source.Length == 0)
        {
            error = $"--input '{text}': no source after '='";
            return false;
        }
        if (source == "-")
        {
            spec = new InputSpec(name ?? DefaultStdinStream, "stdin", InputKind.StandardInput);
            return true;
        }
        if (source.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase)
            || source.StartsWith("tcp-listen://", StringComparison.OrdinalIgnoreCase))
        {
            var listen = source.StartsWith("tcp-listen://", StringComparison.OrdinalIgnoreCase);
            var authority = source[(source.IndexOf("://", StringComparison.Ordinal) + 3)..].TrimEnd('/');
            if (!TrySplitHostPort(authority, out var host, out var port))
            {
                error = $"--input '{text}': expected {(listen ? "tcp-listen" : "tcp")}://HOST:PORT with a port from {(listen ? 0 : 1)} to 65535";
                return false;
            }
            if (!listen && port == 0)
            {
                error = $"--input '{text}': port 0 cannot be connected to";
                return false;
            }
            spec = new InputSpec(name ?? DefaultSocketStream, source, listen ? InputKind.TcpListen : InputKind.TcpConnect, Host: host, Port: port);
            return true;
        }
        var kind = System.IO.Path.GetExtension(source).Equals(".csv", StringComparison.OrdinalIgnoreCase)
            ? InputKind.CsvFile
            : InputKind.JsonLinesFile;
        var stream = name ?? System.IO.Path.GetFileNameWithoutExtension(source);
        if (stream.Length == 0)
        {
            error = $"--input '{text}': cannot take a stream name from the path; write NAME={source}";
            return false;
        }
        spec = new InputSpec(stream, source, kind, Path: source);
        return true;
    }

    /// <summary>Stream names as rules can write them: letters, digits, '-', '_', '.'.</summary>
    public static bool IsStreamName(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }
        return true;
    }

    private static bool TrySplitHostPort(string authority, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = authority.LastIndexOf(':');
        if (colon <= 0)
        {
            return false;
        }
        host = authority[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        return host.Length > 0
            && int.TryParse(authority.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
            && port is >= 0 and <= IPEndPoint.MaxPort;
    }
}
