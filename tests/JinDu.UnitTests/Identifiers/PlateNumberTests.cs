using JinDu.BuildingBlocks.Identifiers;

namespace JinDu.UnitTests.Identifiers;

public class Plate_numbers
{
    private static (bool Ok, string Plate, string Error) Normalize(string? input)
    {
        var ok = PlateNumber.TryNormalize(input, out var plate, out var error);
        return (ok, plate, error);
    }

    [Theory]
    [InlineData("贵J12345")] // all digits after the office letter: the most common ordinary plate
    [InlineData("京A12345")]
    [InlineData("沪C00001")]
    [InlineData("川A98765")]
    public void Are_accepted_when_ordinary_with_five_digits(string input)
    {
        var (ok, plate, error) = Normalize(input);

        Assert.True(ok, $"{input}: {error}");
        Assert.Equal(input, plate);
    }

    [Theory]
    [InlineData("京AB1234")]
    [InlineData("贵JA8Z88")]
    [InlineData("粤BABCDE")]
    [InlineData("苏E1234学")] // driving-school plate
    [InlineData("粤Z1234港")] // Hong Kong cross-border plate
    [InlineData("粤Z1234澳")]
    [InlineData("京A1234警")]
    [InlineData("贵J1234挂")] // trailer
    public void Are_accepted_when_ordinary_with_letters_or_a_special_last_character(string input)
    {
        var (ok, plate, error) = Normalize(input);

        Assert.True(ok, $"{input}: {error}");
        Assert.Equal(input, plate);
    }

    [Theory]
    [InlineData("京A·B1234", "京AB1234")]
    [InlineData("京A B1234", "京AB1234")]
    [InlineData("京A-B1234", "京AB1234")]
    [InlineData(" 贵J·A8Z88 ", "贵JA8Z88")]
    public void Are_accepted_with_a_separator_which_is_dropped(string input, string expected)
    {
        var (ok, plate, error) = Normalize(input);

        Assert.True(ok, $"{input}: {error}");
        Assert.Equal(expected, plate);
    }

    [Theory]
    [InlineData("京ab1234", "京AB1234")]
    [InlineData("粤bd12345", "粤BD12345")]
    [InlineData("粤b12345d", "粤B12345D")]
    public void Are_normalised_to_upper_case(string input, string expected)
    {
        var (ok, plate, error) = Normalize(input);

        Assert.True(ok, $"{input}: {error}");
        Assert.Equal(expected, plate);
    }

    [Theory]
    [InlineData("粤BD12345")] // small new-energy car, battery
    [InlineData("粤BF12345")] // small new-energy car, hybrid
    [InlineData("粤BDA1234")] // second place may be a letter
    [InlineData("粤B12345D")] // large new-energy vehicle, battery
    [InlineData("粤B12345F")]
    [InlineData("京A·D12345")]
    public void Are_accepted_when_new_energy(string input)
    {
        var (ok, plate, error) = Normalize(input);

        Assert.True(ok, $"{input}: {error}");
        Assert.Equal(8, plate.Length);
    }

    [Theory]
    [InlineData("港A12345")] // Hong Kong is not a mainland province abbreviation
    [InlineData("台A12345")]
    [InlineData("北A12345")]
    [InlineData("AA12345")]
    [InlineData("1A12345")]
    public void Are_refused_when_the_first_character_is_not_a_province_abbreviation(string input)
    {
        var (ok, plate, error) = Normalize(input);

        Assert.False(ok);
        Assert.Equal("", plate);
        Assert.Contains("province", error);
    }

    [Fact]
    public void Are_accepted_for_every_one_of_the_31_province_abbreviations()
    {
        foreach (var p in "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")
        {
            var (ok, _, error) = Normalize(p + "AB1234");
            Assert.True(ok, $"{p}: {error}");
        }
    }

    [Theory]
    [InlineData("贵I12345")] // office letter I
    [InlineData("贵O12345")] // office letter O
    [InlineData("贵1A2345")] // office must be a letter
    public void Are_refused_when_the_office_letter_is_missing_or_i_or_o(string input)
    {
        var (ok, _, error) = Normalize(input);

        Assert.False(ok);
        Assert.Contains("issuing office", error);
    }

    [Theory]
    [InlineData("贵JI2345")]
    [InlineData("贵J1O345")]
    [InlineData("贵J1234I")]
    [InlineData("贵J1234O")]
    [InlineData("贵Jo1234")] // lower-case o upper-cased first, still refused
    public void Are_refused_when_the_serial_contains_i_or_o(string input)
    {
        var (ok, _, _) = Normalize(input);

        Assert.False(ok);
    }

    [Theory]
    [InlineData("")]
    [InlineData("贵J1234")] // 6
    [InlineData("贵J123")]
    [InlineData("贵J1234567")] // 9
    [InlineData("贵")]
    public void Are_refused_when_the_length_is_wrong(string input)
    {
        var (ok, _, error) = Normalize(input);

        Assert.False(ok);
        Assert.Contains("5 characters", error);
    }

    [Fact]
    public void Are_refused_when_null()
    {
        var (ok, plate, error) = Normalize(null);

        Assert.False(ok);
        Assert.Equal("", plate);
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData("粤B1D2345")] // D in the middle
    [InlineData("粤B123D45")]
    [InlineData("粤BA12345")] // eight characters without D or F
    [InlineData("粤B123456")] // six digits, no D or F
    [InlineData("粤BE12345")] // E is not a new-energy marker
    [InlineData("粤BDA12C4")] // small new-energy: last four must be digits
    [InlineData("粤BA1234D")] // large new-energy: first five must be digits
    [InlineData("粤BD1234D")]
    public void Are_refused_when_new_energy_has_d_or_f_in_the_wrong_place(string input)
    {
        var (ok, _, error) = Normalize(input);

        Assert.False(ok, input);
        Assert.Contains("new-energy", error);
    }

    [Theory]
    [InlineData("贵J1234学5")] // special character not last
    [InlineData("贵J12$45")]
    [InlineData("贵J12_45")]
    public void Are_refused_when_the_serial_has_other_characters(string input)
    {
        var (ok, _, _) = Normalize(input);

        Assert.False(ok, input);
    }
}
