using System.Net;
using JinDu.Cooperation.Webhooks;

namespace JinDu.UnitTests.Cooperation;

public sealed class WebhookRulesTests
{
    [Fact]
    public void The_signature_matches_the_standard_webhooks_reference_vector()
    {
        // From the Standard Webhooks specification's test vector.
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            WebhookSigner.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, """{"test": 2432232314}"""));
    }

    [Fact]
    public void Two_active_secrets_give_two_space_separated_signatures()
    {
        var header = WebhookSigner.SignatureHeader([WebhookSigner.NewSecret(), WebhookSigner.NewSecret()], "id", 1, "{}");
        Assert.Equal(2, header.Split(' ').Length);
        Assert.All(header.Split(' '), s => Assert.StartsWith("v1,", s));
    }

    [Theory]
    [InlineData(200, AttemptVerdict.Delivered)]
    [InlineData(204, AttemptVerdict.Delivered)]
    [InlineData(408, AttemptVerdict.Retry)]
    [InlineData(429, AttemptVerdict.Retry)]
    [InlineData(500, AttemptVerdict.Retry)]
    [InlineData(503, AttemptVerdict.Retry)]
    [InlineData(null, AttemptVerdict.Retry)]
    [InlineData(301, AttemptVerdict.Final)]
    [InlineData(400, AttemptVerdict.Final)]
    [InlineData(401, AttemptVerdict.Final)]
    [InlineData(404, AttemptVerdict.Final)]
    [InlineData(410, AttemptVerdict.Final)]
    public void Only_408_429_5xx_and_time_outs_are_retried(int? status, AttemptVerdict verdict) =>
        Assert.Equal(verdict, RetryPolicy.Classify(status));

    [Fact]
    public void Retries_back_off_exponentially_up_to_the_cap_and_last_the_whole_window()
    {
        var o = new WebhookOptions();
        Assert.Equal([5, 10, 20, 40, 80], Enumerable.Range(1, 5).Select(n => RetryPolicy.Delay(n, o.FirstRetryDelay, o.MaxRetryDelay).TotalSeconds).ToArray());
        Assert.Equal(TimeSpan.FromHours(1), RetryPolicy.Delay(30, o.FirstRetryDelay, o.MaxRetryDelay));
        Assert.Equal(TimeSpan.FromMinutes(2), RetryPolicy.Delay(1, o.FirstRetryDelay, o.MaxRetryDelay, retryAfter: TimeSpan.FromMinutes(2)));

        var start = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
        var now = start;
        var attempts = 0;
        while (RetryPolicy.Next(now, start, ++attempts, o) is { } next) now = next;
        Assert.Equal(start + TimeSpan.FromHours(24), now);
        Assert.InRange(attempts, 30, 40);
    }

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("::1", "loopback")]
    [InlineData("10.0.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.0.1", "private")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fd12:3456::1", "private")]
    [InlineData("::ffff:192.168.0.1", "private")]
    [InlineData("100.100.0.1", "shared (carrier-grade NAT)")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("239.1.1.1", "multicast or reserved")]
    [InlineData("172.32.0.1", null)]
    [InlineData("203.0.113.10", null)]
    [InlineData("2001:db8::1", null)]
    public void Internal_addresses_are_named(string address, string? why) =>
        Assert.Equal(why, WebhookTargetGuard.Internal(IPAddress.Parse(address)));
}
