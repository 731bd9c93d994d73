using System.Text.RegularExpressions;

namespace ActorCdc.Core.Diagnostics;

/// <summary>
/// Removes secrets from text bound for logs, consoles and status: values of password/secret/token keys (connection
/// strings, HOCON, JSON, record dumps), the password of URIs with <c>user:password@</c>, strings shaped like AWS secret
/// access keys, and every literal secret registered from the configuration at start.
/// </summary>
public static partial class SecretMasker
{
    public const string Mask = "***";

    private static volatile string[] _secrets = [];
    private static readonly object SecretsLock = new();

    /// <summary>Registers a literal secret (e.g. read from the configuration) to be masked wherever it appears.</summary>
    public static void AddSecret(string? secret)
    {
        // Very short values would mask ordinary words and digits; key-based masking still catches them next to their key.
        if (string.IsNullOrEmpty(secret) || secret.Length < 4 || secret == Mask) return;
        lock (SecretsLock)
        {
            if (Array.IndexOf(_secrets, secret) >= 0) return;
            // Longest first, so a secret containing another is masked whole.
            _secrets = _secrets.Append(secret).OrderByDescending(s => s.Length).ToArray();
        }
    }

    /// <summary>Registers the passwords inside a connection string (<c>Password=...</c>, <c>user:password@</c>).</summary>
    public static void AddSecretsOf(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString)) return;
        foreach (Match m in KeyValue().Matches(connectionString)) AddSecret(Unquote(m.Groups["value"].Value));
        foreach (Match m in UriPassword().Matches(connectionString)) AddSecret(m.Groups["password"].Value);
    }

    /// <summary>Whether a configuration key names a secret (password, secret-key, token, ...).</summary>
    public static bool IsSecretKey(string key) => SecretKeyName().IsMatch(key);

    /// <summary><paramref name="text"/> with every secret replaced by <c>***</c>.</summary>
    public static string Apply(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        var secrets = _secrets;
        foreach (var s in secrets)
            if (text.Contains(s, StringComparison.Ordinal)) text = text.Replace(s, Mask, StringComparison.Ordinal);
        if (text.Contains("://", StringComparison.Ordinal))
            text = UriPassword().Replace(text, m => m.Groups["password"].Value == Mask ? m.Value : $"{m.Groups["prefix"].Value}{Mask}@");
        text = KeyValue().Replace(text, m => m.Groups["value"].Value is Mask or "\"***\"" or "'***'"
            ? m.Value
            : m.Groups["head"].Value + Requote(m.Groups["value"].Value));
        text = AwsSecret().Replace(text, m => LooksLikeSecret(m.Value) ? Mask : m.Value);
        return text;
    }

    private static string Requote(string value) => value.Length > 0 && value[0] is '"' or '\'' ? $"{value[0]}{Mask}{value[0]}" : Mask;

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] is '"' or '\'' && value[^1] == value[0] ? value[1..^1] : value;

    /// <summary>An AWS secret access key is 40 base64 characters mixing cases and digits (a hex digest is not).</summary>
    private static bool LooksLikeSecret(string s)
    {
        bool upper = false, lower = false, digitOrSymbol = false;
        foreach (var c in s)
        {
            if (char.IsUpper(c)) upper = true;
            else if (char.IsLower(c)) lower = true;
            else digitOrSymbol = true;
        }
        return upper && lower && digitOrSymbol;
    }

    private const string SecretKeys =
        @"password|passwd|pwd|pass|secret[-_ ]?access[-_ ]?key|secret[-_ ]?key|secret|client[-_ ]?secret|" +
        @"access[-_ ]?token|auth[-_ ]?token|session[-_ ]?token|api[-_ ]?key|token|credentials?|x-amz-security-token";

    [GeneratedRegex(@"^(?:.*[.\-_])?(?:" + SecretKeys + @")$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretKeyName();

    // key (optionally quoted, optionally dotted like s3.secret-key) then = or : then a quoted or bare value.
    [GeneratedRegex(
        @"(?<head>(?<![A-Za-z0-9])[""']?(?:[A-Za-z0-9]+[.\-_])*(?:" + SecretKeys + @")[""']?\s*(?:=|:)\s*)" +
        @"(?<value>""(?:[^""\\]|\\.)*""|'[^']*'|[^\s;,&}\]""']+)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KeyValue();

    [GeneratedRegex(@"(?<prefix>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s""']+:)(?<password>[^@/\s""']+)@", RegexOptions.CultureInvariant)]
    private static partial Regex UriPassword();

    [GeneratedRegex(@"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])", RegexOptions.CultureInvariant)]
    private static partial Regex AwsSecret();
}
