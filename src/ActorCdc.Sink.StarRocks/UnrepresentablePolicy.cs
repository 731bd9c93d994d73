namespace ActorCdc.Sink.StarRocks;

/// <summary>
/// What becomes of a value StarRocks cannot hold (HOCON <c>sink.unrepresentable</c>): timestamps and dates that are
/// <c>infinity</c>, BC or beyond year 9999, numeric <c>NaN</c>, float <c>NaN</c>/<c>Infinity</c>, numbers too large for
/// their DECIMAL column, multi-dimensional arrays.
/// </summary>
public enum UnrepresentablePolicy
{
    /// <summary>Dates and timestamps clamp to StarRocks' range, infinite floats to ±double.MaxValue; the rest become NULL.</summary>
    Clamp = 0,

    /// <summary>Every unrepresentable value becomes NULL.</summary>
    Null = 1,

    /// <summary>The batch fails as a data error naming the column and the value.</summary>
    Fail = 2,
}
