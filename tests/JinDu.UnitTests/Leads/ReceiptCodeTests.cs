using JinDu.Leads.Apis;
using JinDu.Leads.Model;

namespace JinDu.UnitTests.Leads;

public class Tip_receipt_codes
{
    [Fact]
    public void Carry_128_random_bits_in_readable_groups()
    {
        var codes = Enumerable.Range(0, 1000).Select(_ => ReceiptCode.New()).ToList();
        Assert.Equal(1000, codes.Distinct().Count());
        Assert.All(codes, c =>
        {
            Assert.Matches("^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}-[0-9A-HJKMNP-TV-Z]$", c);
            Assert.True(ReceiptCode.LooksValid(c));
        });
    }

    [Fact]
    public void Are_recognised_whatever_the_case_separators_or_look_alike_letters()
    {
        var code = "01ABC-DEFGH-JK1MN-PQRST-VWXYZ-0";
        Assert.Equal(ReceiptCode.Hash(code), ReceiptCode.Hash("o1abcdefghjklmnpqrstvwxyz0"));
        Assert.Equal(ReceiptCode.Hash(code), ReceiptCode.Hash(" 01ABC DEFGH JKIMN PQRST VWXYZ O "));
        Assert.NotEqual(ReceiptCode.Hash(code), ReceiptCode.Hash("01ABC-DEFGH-JK1MN-PQRST-VWXYZ-2"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("01ABC-DEFGH-JK1MN-PQRST-VWXYZ")]
    [InlineData("01ABC-DEFGH-JK1MN-PQRST-VWXYZ-U")]
    public void Reject_what_cannot_be_a_code(string text) => Assert.False(ReceiptCode.LooksValid(text));

    [Theory]
    [InlineData(LeadStatus.New, "received")]
    [InlineData(LeadStatus.Triaged, "being_checked")]
    [InlineData(LeadStatus.Investigating, "being_checked")]
    [InlineData(LeadStatus.CaseOpened, "case_opened")]
    [InlineData(LeadStatus.Closed, "closed")]
    public void Show_the_tipster_only_how_far_the_tip_got(LeadStatus status, string shown) => Assert.Equal(shown, TipsApi.PublicStatus(status));
}
