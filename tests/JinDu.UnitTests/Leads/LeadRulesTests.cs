using JinDu.Leads.Consumers;
using JinDu.Leads.Model;

namespace JinDu.UnitTests.Leads;

public class Severity_of_a_screening_flag
{
    [Theory]
    [InlineData("seizure", 4)]
    [InlineData("positive_test", 3)]
    [InlineData("suspicious", 2)]
    public void Ranks_seizures_above_positive_tests_above_suspicion(string result, int severity)
    {
        Assert.Equal(severity, FlagToLeadConsumer.SeverityOf(result));
    }

    [Fact]
    public void Is_ordered_seizure_then_positive_test_then_suspicious()
    {
        Assert.True(FlagToLeadConsumer.SeverityOf("seizure") > FlagToLeadConsumer.SeverityOf("positive_test"));
        Assert.True(FlagToLeadConsumer.SeverityOf("positive_test") > FlagToLeadConsumer.SeverityOf("suspicious"));
    }

    [Fact]
    public void Stays_on_the_1_to_5_scale()
    {
        foreach (var result in new[] { "seizure", "positive_test", "suspicious", "clear", "" })
            Assert.InRange(FlagToLeadConsumer.SeverityOf(result), 1, 5);
    }
}

public class Lead_references
{
    private static Lead LeadOf(string agency, DateTimeOffset createdAt, Guid id) =>
        new() { OwnerAgency = agency, CreatedAt = createdAt, PublicId = id };

    [Fact]
    public void Read_xs_agency_date_and_the_last_six_hex_digits_of_the_id()
    {
        var lead = LeadOf("522722", new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero), Guid.Parse("0193a4b2-7c1d-7e2f-8a9b-0c1d2e3f9a1c"));

        Assert.Equal("XS-522722-20261125-3F9A1C", LeadReference.For(lead));
    }

    [Fact]
    public void Use_upper_case_hex()
    {
        var lead = LeadOf("522700", new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero), Guid.Parse("00000000-0000-0000-0000-00000abcdef0"));

        Assert.Equal("XS-522700-20260102-BCDEF0", LeadReference.For(lead));
    }

    [Fact]
    public void Use_the_utc_date_of_creation()
    {
        // 07:30 in Beijing on 25 November is still 24 November in UTC (times are UTC throughout, DESIGN §4).
        var lead = LeadOf("522722", new DateTimeOffset(2026, 11, 25, 7, 30, 0, TimeSpan.FromHours(8)), Guid.Parse("00000000-0000-0000-0000-000000123456"));

        Assert.Equal("XS-522722-20261124-123456", LeadReference.For(lead));
    }

    [Fact]
    public void Have_the_documented_shape_for_any_new_lead()
    {
        for (var i = 0; i < 100; i++)
        {
            var lead = LeadOf("522722", DateTimeOffset.UtcNow, Guid.CreateVersion7());
            Assert.Matches("^XS-522722-[0-9]{8}-[0-9A-F]{6}$", LeadReference.For(lead));
        }
    }
}
