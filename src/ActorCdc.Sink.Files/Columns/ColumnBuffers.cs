using Parquet.Data;
using Parquet.Schema;

namespace ActorCdc.Sink.Files.Columns;

/// <summary>Creates the buffer (and its Parquet field) of a source column for its <see cref="ColumnMapping"/>.</summary>
internal static class ColumnBuffers
{
    public static ColumnBuffer Create(ColumnMapping m) => m.Kind switch
    {
        ColumnKind.Boolean => new BooleanBuffer(new DataField<bool>(m.Name, true)),
        ColumnKind.Int16 => new Int16Buffer(new DataField<short>(m.Name, true)),
        ColumnKind.Int32 => new Int32Buffer(new DataField<int>(m.Name, true)),
        ColumnKind.Int64 => new Int64Buffer(new DataField<long>(m.Name, true)),
        ColumnKind.Float => new FloatBuffer(new DataField<float>(m.Name, true)),
        ColumnKind.Double => new DoubleBuffer(new DataField<double>(m.Name, true)),
        ColumnKind.Decimal => new DecimalBuffer(new DecimalDataField(m.Name, m.Precision, m.Scale, false, true)),
        ColumnKind.WideDecimal => new WideDecimalBuffer(
            new DecimalDataField(m.Name, m.Precision, m.Scale, false, true, null, null, typeof(BigDecimal)), m.Precision, m.Scale),
        ColumnKind.Date => new DateBuffer(new DataField<DateOnly>(m.Name, true)),
        ColumnKind.TimestampUtc => new TimestampBuffer(
            new DateTimeDataField(m.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: true), withOffset: true),
        ColumnKind.TimestampLocal => new TimestampBuffer(
            new DateTimeDataField(m.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: false, unit: DateTimeTimeUnit.Micros, isNullable: true), withOffset: false),
        _ => new StringBuffer(new DataField<string>(m.Name, true)),
    };

    private sealed class StringBuffer(DataField field) : NullableColumnBuffer<ReadOnlyMemory<char>>(field)
    {
        protected override bool TryParse(string text, out ReadOnlyMemory<char> value)
        {
            value = text.AsMemory();
            return true;
        }
    }

    private sealed class BooleanBuffer(DataField field) : NullableColumnBuffer<bool>(field)
    {
        protected override bool TryParse(string text, out bool value) => PgText.TryParseBool(text, out value);
    }

    private sealed class Int16Buffer(DataField field) : NullableColumnBuffer<short>(field)
    {
        protected override bool TryParse(string text, out short value) => PgText.TryParseInt16(text, out value);
    }

    private sealed class Int32Buffer(DataField field) : NullableColumnBuffer<int>(field)
    {
        protected override bool TryParse(string text, out int value) => PgText.TryParseInt32(text, out value);
    }

    private sealed class Int64Buffer(DataField field) : NullableColumnBuffer<long>(field)
    {
        protected override bool TryParse(string text, out long value) => PgText.TryParseInt64(text, out value);
    }

    private sealed class FloatBuffer(DataField field) : NullableColumnBuffer<float>(field)
    {
        protected override bool TryParse(string text, out float value) => PgText.TryParseFloat(text, out value);
    }

    private sealed class DoubleBuffer(DataField field) : NullableColumnBuffer<double>(field)
    {
        protected override bool TryParse(string text, out double value) => PgText.TryParseDouble(text, out value);
    }

    private sealed class DecimalBuffer(DataField field) : NullableColumnBuffer<decimal>(field)
    {
        protected override bool TryParse(string text, out decimal value) => PgText.TryParseDecimal(text, out value);
    }

    private sealed class WideDecimalBuffer(DataField field, int precision, int scale) : NullableColumnBuffer<BigDecimal>(field)
    {
        protected override bool TryParse(string text, out BigDecimal value)
        {
            value = default;
            if (!PgText.TryParseUnscaled(text, scale, out var unscaled)) return false;
            value = new BigDecimal(unscaled, precision, scale);
            return true;
        }
    }

    private sealed class DateBuffer(DataField field) : NullableColumnBuffer<DateOnly>(field)
    {
        protected override bool TryParse(string text, out DateOnly value) => PgText.TryParseDate(text, out value);
    }

    private sealed class TimestampBuffer(DataField field, bool withOffset) : NullableColumnBuffer<DateTime>(field)
    {
        protected override bool TryParse(string text, out DateTime value) => PgText.TryParseTimestamp(text, withOffset, out value);
    }
}
