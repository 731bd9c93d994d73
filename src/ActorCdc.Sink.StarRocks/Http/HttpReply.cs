namespace ActorCdc.Sink.StarRocks.Http;

/// <summary>The final answer to a request after redirects: status, body, and the URL that gave it.</summary>
internal readonly record struct HttpReply(int Status, byte[] Body, Uri From)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
}
