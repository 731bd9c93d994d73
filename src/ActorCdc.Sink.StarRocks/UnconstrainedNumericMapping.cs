namespace ActorCdc.Sink.StarRocks;

/// <summary>The StarRocks type of a PostgreSQL <c>numeric</c> without precision (HOCON <c>sink.numeric.unconstrained</c>).</summary>
public enum UnconstrainedNumericMapping
{
    /// <summary><c>DECIMAL(38, sink.numeric.scale)</c>: arithmetic-friendly, rounds digits beyond the scale.</summary>
    Decimal = 0,

    /// <summary><c>STRING</c> holding PostgreSQL's text: lossless, including NaN.</summary>
    String = 1,
}
