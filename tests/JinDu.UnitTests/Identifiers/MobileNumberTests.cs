using JinDu.BuildingBlocks.Identifiers;

namespace JinDu.UnitTests.Identifiers;

public class Mobile_numbers
{
    private static (bool Ok, string Number, string Error) Normalize(string? input)
    {
        var ok = MobileNumber.TryNormalize(input, out var number, out var error);
        return (ok, number, error);
    }

    [Theory]
    [InlineData("13812345678")]
    [InlineData("14512345678")]
    [InlineData("15012345678")]
    [InlineData("16612345678")]
    [InlineData("17712345678")]
    [InlineData("18612345678")]
    [InlineData("19912345678")]
    public void Are_accepted_when_11_digits_starting_13_to_19(string input)
    {
        var (ok, number, error) = Normalize(input);

        Assert.True(ok, error);
        Assert.Equal(input, number);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("+8613812345678")]
    [InlineData("8613812345678")]
    [InlineData("+86 138 1234 5678")]
    [InlineData("138-1234-5678")]
    [InlineData(" 138 1234 5678 ")]
    public void Are_normalised_with_the_country_code_and_separators_dropped(string input)
    {
        var (ok, number, error) = Normalize(input);

        Assert.True(ok, $"{input}: {error}");
        Assert.Equal("13812345678", number);
    }

    [Theory]
    [InlineData("10012345678")] // 10
    [InlineData("11012345678")] // 11
    [InlineData("12012345678")] // 12
    [InlineData("23812345678")] // not starting with 1
    [InlineData("01012345678")] // landline-looking
    public void Are_refused_when_they_do_not_start_with_13_to_19(string input)
    {
        var (ok, number, error) = Normalize(input);

        Assert.False(ok);
        Assert.Equal("", number);
        Assert.Contains("13 to 19", error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1381234567")] // 10
    [InlineData("138123456789")] // 12
    [InlineData("+86138123456789")]
    [InlineData("+85213812345678")] // Hong Kong prefix is not dropped
    [InlineData("1381234567a")]
    [InlineData("138１2345678")] // full-width digit
    public void Are_refused_when_not_eleven_ascii_digits(string input)
    {
        var (ok, number, _) = Normalize(input);

        Assert.False(ok, input);
        Assert.Equal("", number);
    }

    [Fact]
    public void Are_refused_when_null()
    {
        var (ok, _, error) = Normalize(null);

        Assert.False(ok);
        Assert.NotEmpty(error);
    }
}
