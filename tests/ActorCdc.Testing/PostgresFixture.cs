using Xunit;

namespace ActorCdc.Testing;

/// <summary>xUnit fixture owning one <see cref="PostgresServer"/> for a test class; tests create their own databases.</summary>
public class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("fixture not initialized");

    /// <summary>Extra postgresql.conf settings for this fixture's server.</summary>
    protected virtual string[] Settings => ["logical_decoding_work_mem = '64kB'"];

    public Task InitializeAsync()
    {
        _server = PostgresServer.Start(Settings);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
