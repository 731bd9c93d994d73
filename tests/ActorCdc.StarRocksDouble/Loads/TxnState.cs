namespace ActorCdc.StarRocksDouble.Loads;

/// <summary>StarRocks transaction states as <c>get_load_state</c> reports them (UNKNOWN is a label the double does not know).</summary>
public enum TxnState
{
    Prepare,
    Prepared,
    Committed,
    Visible,
    Aborted,
}
