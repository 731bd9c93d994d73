using Xunit;

namespace ActorCdc.Testing;

/// <summary>xUnit fixture owning one <see cref="S3Server"/> for a test class; tests keep apart by using their own key prefixes.</summary>
public class S3Fixture : IAsyncLifetime
{
    private S3Server? _server;

    public S3Server Server => _server ?? throw new InvalidOperationException("fixture not initialized");

    /// <summary>A prefix no other test uses, e.g. <c>t-3f2a9c1d</c>.</summary>
    public static string NewPrefix() => "t-" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync()
    {
        _server = S3Server.StartNew();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
