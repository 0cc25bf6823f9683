using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace JinDu.BuildingBlocks.Auth.LocalIssuer;

/// <summary>
/// A small OAuth 2.0 token issuer for the standalone mode, tests and local runs of the distributed
/// stack: password grant for the demo accounts, client credentials for machine clients, RS256 tokens
/// with a persisted key, and discovery + JWKS so any JWT validator can use it as an OIDC authority.
/// Written here rather than taken from OpenIddict because it only has to serve demo accounts with
/// no storage; production points Auth at a real provider (Entra ID or any OIDC server).
/// </summary>
public sealed class LocalTokenIssuer
{
    public const string DefaultAudience = "jindu-api";

    private readonly JsonWebTokenHandler _handler = new();
    private readonly TimeProvider _time;

    public LocalTokenIssuer(string issuer, RsaSecurityKey key, TimeProvider time, string audience = DefaultAudience, TimeSpan? lifetime = null)
    {
        Issuer = issuer;
        SigningKey = key;
        Audience = audience;
        Lifetime = lifetime ?? TimeSpan.FromHours(8);
        _time = time;
    }

    public string Issuer { get; }
    public string Audience { get; }
    public TimeSpan Lifetime { get; }
    public RsaSecurityKey SigningKey { get; }

    /// <summary>Loads the RSA key from a PEM file, creating it on first use so tokens survive restarts.</summary>
    public static RsaSecurityKey LoadOrCreateKey(string? path)
    {
        var rsa = RSA.Create(2048);
        if (path is not null && File.Exists(path))
            rsa.ImportFromPem(File.ReadAllText(path));
        else if (path is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, rsa.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        var key = new RsaSecurityKey(rsa);
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return key;
    }

    public string CreateToken(string subject, string name, string agency, IEnumerable<string> roles, string? courierCompany = null, TimeSpan? lifetime = null)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            [JinDuClaims.Subject] = subject,
            [JinDuClaims.Name] = name,
            [JinDuClaims.Agency] = agency,
            [JinDuClaims.Role] = roles.ToArray(),
        };
        if (courierCompany is not null) claims[JinDuClaims.CourierCompany] = courierCompany;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? Lifetime),
            Claims = claims,
            SigningCredentials = new SigningCredentials(SigningKey, SecurityAlgorithms.RsaSha256),
        });
    }

    public JsonWebKey PublicJwk()
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(SigningKey.Rsa.ExportParameters(false)) { KeyId = SigningKey.KeyId });
        jwk.Use = "sig";
        jwk.Alg = SecurityAlgorithms.RsaSha256;
        return jwk;
    }
}
