using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using JinDu.BuildingBlocks.Divisions;

namespace JinDu.BuildingBlocks.Auth.LocalIssuer;

public static class LocalIssuerEndpoints
{
    /// <summary>Registers the local issuer: key from Auth:LocalIssuer:KeyFile (created if missing), issuer name Auth:Issuer.</summary>
    public static IHostApplicationBuilder AddLocalTokenIssuer(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Auth");
        builder.Services.AddSingleton(DivisionCatalog.Default);
        builder.Services.AddSingleton<DemoDirectory>();
        builder.Services.AddSingleton(sp => new LocalTokenIssuer(
            section["Issuer"] ?? "jindu-local",
            LocalTokenIssuer.LoadOrCreateKey(section["LocalIssuer:KeyFile"]),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            section["Audience"] ?? LocalTokenIssuer.DefaultAudience));
        return builder;
    }

    public static IEndpointRouteBuilder MapLocalTokenIssuer(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/openid-configuration", (LocalTokenIssuer issuer, HttpRequest req) =>
        {
            var baseUrl = $"{req.Scheme}://{req.Host}";
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = issuer.Issuer,
                ["jwks_uri"] = baseUrl + "/.well-known/jwks.json",
                ["token_endpoint"] = baseUrl + "/connect/token",
                ["grant_types_supported"] = new[] { "password", "client_credentials" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "client_secret_basic" },
                ["response_types_supported"] = new[] { "token" },
                ["subject_types_supported"] = new[] { "public" },
            });
        }).AllowAnonymous().ExcludeFromDescription();

        app.MapGet("/.well-known/jwks.json", (LocalTokenIssuer issuer) =>
            Results.Json(new { keys = new[] { issuer.PublicJwk() } }, new System.Text.Json.JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }))
            .AllowAnonymous().ExcludeFromDescription();

        app.MapPost("/connect/token", async (HttpRequest req, LocalTokenIssuer issuer, DemoDirectory directory) =>
        {
            if (!req.HasFormContentType)
                return TokenError("invalid_request", "send application/x-www-form-urlencoded");
            var form = await req.ReadFormAsync();
            var grant = form["grant_type"].ToString();
            var expires = (int)issuer.Lifetime.TotalSeconds;
            switch (grant)
            {
                case "password":
                {
                    var account = directory.FindAccount(form["username"].ToString());
                    if (account is null || !FixedTimeEquals(form["password"].ToString(), DemoDirectory.DemoPassword))
                        return TokenError("invalid_grant", "unknown user name or wrong password");
                    var token = issuer.CreateToken(account.UserName, account.DisplayName, account.Agency, account.Roles);
                    return Results.Json(new { access_token = token, token_type = "Bearer", expires_in = expires });
                }
                case "client_credentials":
                {
                    var (id, secret) = ClientCredentials(req, form);
                    var client = id is null ? null : directory.FindClient(id);
                    if (client is null || !FixedTimeEquals(secret ?? "", client.Secret))
                        return TokenError("invalid_client", "unknown client or wrong secret", StatusCodes.Status401Unauthorized);
                    var token = issuer.CreateToken(client.ClientId, client.ClientId, client.Agency, client.Roles, client.CourierCompany);
                    return Results.Json(new { access_token = token, token_type = "Bearer", expires_in = expires });
                }
                default:
                    return TokenError("unsupported_grant_type", "use password or client_credentials");
            }
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    // RFC 6749 §5.2 error answers, which OAuth clients understand.
    private static IResult TokenError(string error, string description, int status = StatusCodes.Status400BadRequest) =>
        Results.Json(new { error, error_description = description }, statusCode: status);

    private static (string? Id, string? Secret) ClientCredentials(HttpRequest req, IFormCollection form)
    {
        var header = req.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var raw = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
                var colon = raw.IndexOf(':');
                if (colon > 0) return (Uri.UnescapeDataString(raw[..colon]), Uri.UnescapeDataString(raw[(colon + 1)..]));
            }
            catch (FormatException)
            {
                return (null, null);
            }
        }
        return (form["client_id"].ToString(), form["client_secret"].ToString());
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
