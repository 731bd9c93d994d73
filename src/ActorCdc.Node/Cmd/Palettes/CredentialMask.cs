namespace ActorCdc.Node.Cmd.Palettes;

/// <summary>Hides credentials in what commands print: user info in URIs, access keys and secrets.</summary>
public static class CredentialMask
{
    /// <summary><c>s3://user:secret@host/x</c> → <c>s3://****@host/x</c>; anything without user info is unchanged.</summary>
    public static string Uri(string value)
    {
        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return value;
        var start = scheme + 3;
        var end = value.IndexOf('/', start);
        var authority = end < 0 ? value[start..] : value[start..end];
        var at = authority.LastIndexOf('@');
        if (at < 0) return value;
        return value[..start] + "****" + authority[at..] + (end < 0 ? "" : value[end..]);
    }

    /// <summary>"(not set)" or stars; with <paramref name="showPrefix"/> (an access key id) the first 4 characters of a long value stay.</summary>
    public static string Secret(string? value, bool showPrefix = false) => string.IsNullOrEmpty(value)
        ? "(not set)"
        : showPrefix && value.Length >= 12 ? value[..4] + "****" : "****";
}
