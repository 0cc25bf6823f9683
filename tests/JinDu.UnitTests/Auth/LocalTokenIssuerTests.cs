using System.Security.Cryptography;
using System.Text.Json;
using JinDu.BuildingBlocks.Auth;
using JinDu.BuildingBlocks.Auth.LocalIssuer;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace JinDu.UnitTests.Auth;

public class Local_issuer_tokens
{
    private const string Issuer = "https://localhost:5001/";

    private static RsaSecurityKey NewKey() => LocalTokenIssuer.LoadOrCreateKey(null);

    private static TokenValidationParameters Strict(SecurityKey key, string issuer = Issuer, string audience = LocalTokenIssuer.DefaultAudience) => new()
    {
        ValidIssuer = issuer,
        ValidAudience = audience,
        IssuerSigningKey = key,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = TimeSpan.FromSeconds(30),
    };

    private static Task<TokenValidationResult> Validate(string token, TokenValidationParameters parameters) =>
        new JsonWebTokenHandler().ValidateTokenAsync(token, parameters);

    [Fact]
    public async Task Validate_with_the_issuer_s_own_key_issuer_and_audience()
    {
        var issuer = new LocalTokenIssuer(Issuer, NewKey(), TimeProvider.System);
        var token = issuer.CreateToken("u-1", "王警官", "522722", [Roles.CheckpointOfficer]);

        var result = await Validate(token, Strict(issuer.SigningKey, issuer.Issuer, issuer.Audience));

        Assert.True(result.IsValid, result.Exception?.ToString());
    }

    [Fact]
    public async Task Carry_the_subject_name_agency_and_roles()
    {
        var issuer = new LocalTokenIssuer(Issuer, NewKey(), TimeProvider.System);
        var token = issuer.CreateToken("u-1", "王警官", "522722", [Roles.Analyst, Roles.Supervisor]);

        var result = await Validate(token, Strict(issuer.SigningKey));

        Assert.True(result.IsValid, result.Exception?.ToString());
        var identity = result.ClaimsIdentity;
        Assert.Equal("u-1", identity.FindFirst(JinDuClaims.Subject)?.Value);
        Assert.Equal("王警官", identity.FindFirst(JinDuClaims.Name)?.Value);
        Assert.Equal("522722", identity.FindFirst(JinDuClaims.Agency)?.Value);
        Assert.Equal([Roles.Analyst, Roles.Supervisor], identity.FindAll(JinDuClaims.Role).Select(c => c.Value).Order());
        Assert.Null(identity.FindFirst(JinDuClaims.CourierCompany));
    }

    [Fact]
    public void Carry_roles_as_a_json_array_even_when_there_is_one_role()
    {
        var issuer = new LocalTokenIssuer(Issuer, NewKey(), TimeProvider.System);
        var token = issuer.CreateToken("u-1", "王警官", "522722", [Roles.Auditor]);

        var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(token.Split('.')[1])).RootElement;

        Assert.Equal(JsonValueKind.Array, payload.GetProperty("role").ValueKind);
        Assert.Equal([Roles.Auditor], payload.GetProperty("role").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("522722", payload.GetProperty("agency").GetString());
        Assert.Equal("u-1", payload.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task Carry_the_courier_company_for_machine_clients()
    {
        var issuer = new LocalTokenIssuer(Issuer, NewKey(), TimeProvider.System);
        var token = issuer.CreateToken("client-sf", "顺丰", "522722", [Roles.Courier], courierCompany: "sf");

        var result = await Validate(token, Strict(issuer.SigningKey));

        Assert.True(result.IsValid, result.Exception?.ToString());
        Assert.Equal("sf", result.ClaimsIdentity.FindFirst(JinDuClaims.CourierCompany)?.Value);
    }

    [Fact]
    public void Are_signed_with_rs256_and_name_the_key()
    {
        var issuer = new LocalTokenIssuer(Issuer, NewKey(), TimeProvider.System);
        var token = new JsonWebToken(issuer.CreateToken("u-1", "王警官", "522722", [Roles.Analyst]));

        Assert.Equal(SecurityAlgorithms.RsaSha256, token.Alg);
        Assert.Equal(issuer.SigningKey.KeyId, token.Kid);
        Assert.Equal(issuer.PublicJwk().Kid, token.Kid);
    }

    [Fact]
    public async Task Validate_with_the_published_public_key_alone()
    {
        var issuer = new LocalTokenIssuer(Issuer, NewKey(), TimeProvider.System);
        var token = issuer.CreateToken("u-1", "王警官", "522722", [Roles.Analyst]);
        var jwk = issuer.PublicJwk();

        var result = await Validate(token, Strict(jwk));

        Assert.True(result.IsValid, result.Exception?.ToString());
        Assert.False(jwk.HasPrivateKey);
    }

    [Fact]
    public async Task Are_refused_when_validated_with_a_different_key()
    {
        var issuer = new LocalTokenIssuer(Issuer, NewKey(), TimeProvider.System);
        var token = issuer.CreateToken("u-1", "王警官", "522722", [Roles.Analyst]);

        var result = await Validate(token, Strict(NewKey()));

        Assert.False(result.IsValid);
        Assert.IsAssignableFrom<SecurityTokenSignatureKeyNotFoundException>(result.Exception);
    }

    [Fact]
    public async Task Are_refused_for_another_issuer_or_audience()
    {
        var issuer = new LocalTokenIssuer(Issuer, NewKey(), TimeProvider.System);
        var token = issuer.CreateToken("u-1", "王警官", "522722", [Roles.Analyst]);

        var wrongIssuer = await Validate(token, Strict(issuer.SigningKey, issuer: "https://evil.example/"));
        var wrongAudience = await Validate(token, Strict(issuer.SigningKey, audience: "other-api"));

        Assert.IsType<SecurityTokenInvalidIssuerException>(wrongIssuer.Exception);
        Assert.IsType<SecurityTokenInvalidAudienceException>(wrongAudience.Exception);
    }

    [Fact]
    public async Task Are_refused_once_expired()
    {
        // Issued 9 hours ago with the default 8-hour lifetime: expired an hour ago.
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-9));
        var issuer = new LocalTokenIssuer(Issuer, NewKey(), past);
        var token = issuer.CreateToken("u-1", "王警官", "522722", [Roles.Analyst]);

        var result = await Validate(token, Strict(issuer.SigningKey));

        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenExpiredException>(result.Exception);
    }

    [Fact]
    public async Task Are_refused_a_minute_after_expiry_despite_the_30_second_clock_skew()
    {
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-8).AddMinutes(-1));
        var issuer = new LocalTokenIssuer(Issuer, NewKey(), past);
        var token = issuer.CreateToken("u-1", "王警官", "522722", [Roles.Analyst]);

        var result = await Validate(token, Strict(issuer.SigningKey));

        Assert.IsType<SecurityTokenExpiredException>(result.Exception);
    }

    [Fact]
    public async Task Are_still_valid_just_before_the_eight_hour_lifetime_ends()
    {
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-8).AddMinutes(1));
        var issuer = new LocalTokenIssuer(Issuer, NewKey(), past);
        var token = issuer.CreateToken("u-1", "王警官", "522722", [Roles.Analyst]);

        var result = await Validate(token, Strict(issuer.SigningKey));

        Assert.True(result.IsValid, result.Exception?.ToString());
    }

    [Fact]
    public void Carry_issue_not_before_and_expiry_times_from_the_issuer_s_clock()
    {
        var at = new DateTimeOffset(2026, 11, 25, 8, 30, 0, TimeSpan.Zero);
        var issuer = new LocalTokenIssuer(Issuer, NewKey(), new FakeTimeProvider(at));

        var token = new JsonWebToken(issuer.CreateToken("u-1", "王警官", "522722", [Roles.Analyst], lifetime: TimeSpan.FromMinutes(15)));

        Assert.Equal(at.UtcDateTime, token.IssuedAt);
        Assert.Equal(at.UtcDateTime, token.ValidFrom);
        Assert.Equal(at.UtcDateTime.AddMinutes(15), token.ValidTo);
    }

    [Fact]
    public async Task Are_refused_before_they_become_valid()
    {
        // A token from an issuer whose clock runs 5 minutes fast: beyond the 30 s skew.
        var future = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(5));
        var issuer = new LocalTokenIssuer(Issuer, NewKey(), future);
        var token = issuer.CreateToken("u-1", "王警官", "522722", [Roles.Analyst]);

        var result = await Validate(token, Strict(issuer.SigningKey));

        Assert.IsType<SecurityTokenNotYetValidException>(result.Exception);
    }
}

public sealed class Local_issuer_signing_keys : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "jindu-unit-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Survive_a_restart_so_earlier_tokens_stay_valid()
    {
        var path = Path.Combine(_dir, "issuer.pem");
        var first = new LocalTokenIssuer("https://localhost/", LocalTokenIssuer.LoadOrCreateKey(path), TimeProvider.System);
        var token = first.CreateToken("u-1", "王警官", "522722", [Roles.Analyst]);

        var restarted = new LocalTokenIssuer("https://localhost/", LocalTokenIssuer.LoadOrCreateKey(path), TimeProvider.System);
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = restarted.Issuer,
            ValidAudience = restarted.Audience,
            IssuerSigningKey = restarted.SigningKey,
        });

        Assert.True(result.IsValid, result.Exception?.ToString());
        Assert.Equal(first.SigningKey.KeyId, restarted.SigningKey.KeyId);
    }

    [Fact]
    public void Are_fresh_each_time_without_a_file()
    {
        Assert.NotEqual(LocalTokenIssuer.LoadOrCreateKey(null).KeyId, LocalTokenIssuer.LoadOrCreateKey(null).KeyId);
    }
}
