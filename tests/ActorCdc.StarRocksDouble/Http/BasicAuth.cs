using System.Text;

namespace ActorCdc.StarRocksDouble.Http;

/// <summary>Parses <c>Authorization: Basic base64(user:password)</c>; a user without a password is <c>user:</c>.</summary>
internal static class BasicAuth
{
    public static (string User, string Password)? Parse(string? header)
    {
        if (header is null || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = text.IndexOf(':');
            return colon < 0 ? null : (text[..colon], text[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
