using ActorCdc.Core.Schema;
using ActorCdc.Engine.Wal;
using Xunit;

namespace ActorCdc.Engine.Tests;

public class CreditGateTests
{
    private static readonly TableId A = new("public", "a");
    private static readonly TableId B = new("public", "b");

    [Fact]
    public async Task Acquire_waits_while_the_pipeline_budget_is_spent_and_resumes_on_release()
    {
        var gate = new CreditGate(pipelineBudget: 100, tableBudget: 100);
        await gate.AcquireAsync(A, 60, CancellationToken.None);
        var second = gate.AcquireAsync(B, 60, CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        gate.Release(A, 60);
        await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(60, gate.InFlightBytes);
        Assert.True(gate.PeakInFlightBytes <= 100);
    }

    [Fact]
    public async Task One_table_spending_its_budget_waits_even_when_the_pipeline_has_room()
    {
        var gate = new CreditGate(pipelineBudget: 1000, tableBudget: 100);
        await gate.AcquireAsync(A, 80, CancellationToken.None);
        var more = gate.AcquireAsync(A, 80, CancellationToken.None).AsTask();
        await gate.AcquireAsync(B, 80, CancellationToken.None);
        Assert.False(more.IsCompleted);
        gate.Release(A, 80);
        await more.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_batch_larger_than_the_budget_passes_alone()
    {
        var gate = new CreditGate(pipelineBudget: 100, tableBudget: 100);
        await gate.AcquireAsync(A, 500, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(500, gate.InFlightBytes);
    }

    [Fact]
    public async Task Waiting_is_cancelled_with_its_token_and_reset_frees_everything()
    {
        var gate = new CreditGate(100, 100);
        await gate.AcquireAsync(A, 100, CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var waiting = gate.AcquireAsync(A, 10, cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        gate.Reset();
        Assert.Equal(0, gate.InFlightBytes);
        await gate.AcquireAsync(A, 100, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }
}
