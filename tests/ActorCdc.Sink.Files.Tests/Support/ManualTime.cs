namespace ActorCdc.Sink.Files.Tests.Support;

/// <summary>A clock the test moves by hand, so roll ages and dates are tested without sleeping.</summary>
public sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
