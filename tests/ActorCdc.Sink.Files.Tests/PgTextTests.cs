using System.Globalization;
using ActorCdc.Sink.Files.Columns;
using Xunit;

namespace ActorCdc.Sink.Files.Tests;

/// <summary>PostgreSQL's text is parsed exactly, and a value .NET cannot hold exactly is refused, never rounded.</summary>
public sealed class PgTextTests
{
    [Theory]
    [InlineData("0", "0")]
    [InlineData("-0.01", "-0.01")]
    [InlineData("12.30", "12.30")]
    [InlineData("999999999999999999", "999999999999999999")]
    [InlineData("-9999999999999999.99", "-9999999999999999.99")]
    [InlineData("1234567890123456789012.345", "1234567890123456789012.345")]
    public void Decimals_keep_every_digit_and_their_scale(string text, string expected)
    {
        Assert.True(PgText.TryParseDecimal(text, out var value));
        Assert.Equal(expected, value.ToString(CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-")]
    [InlineData("")]
    public void Decimals_that_are_not_numbers_are_refused(string text) => Assert.False(PgText.TryParseDecimal(text, out _));

    [Theory]
    [InlineData("2024-01-02 03:04:05+00", "2024-01-02T03:04:05.0000000Z")]
    [InlineData("2024-01-02 03:04:05.5+00", "2024-01-02T03:04:05.5000000Z")]
    [InlineData("2024-01-02 03:04:05.000001-03:30", "2024-01-02T06:34:05.0000010Z")]
    [InlineData("1883-11-18 12:00:00-07:52:58", "1883-11-18T19:52:58.0000000Z")]
    [InlineData("0001-01-01 00:00:00+00", "0001-01-01T00:00:00.0000000Z")]
    public void Timestamps_with_offsets_become_utc_to_the_microsecond(string text, string expected)
    {
        Assert.True(PgText.TryParseTimestamp(text, withOffset: true, out var value));
        Assert.Equal(expected, value.ToString("O", CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("infinity")]
    [InlineData("-infinity")]
    [InlineData("2024-01-02 03:04:05+00 BC")]
    [InlineData("10000-01-01 00:00:00+00")]
    [InlineData("0001-01-01 00:00:00+01")]
    [InlineData("2024-02-30 00:00:00+00")]
    public void Timestamps_outside_dotnet_range_are_refused(string text) => Assert.False(PgText.TryParseTimestamp(text, withOffset: true, out _));

    [Theory]
    [InlineData("2024-02-29", true)]
    [InlineData("2023-02-29", false)]
    [InlineData("0044-03-15 BC", false)]
    [InlineData("infinity", false)]
    [InlineData("10000-01-01", false)]
    public void Dates_parse_only_when_exact(string text, bool ok) => Assert.Equal(ok, PgText.TryParseDate(text, out _));
}
