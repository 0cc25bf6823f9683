using System.Text.Json;
using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Privacy;
using JinDu.Cooperation.Model;

namespace JinDu.Cooperation.Webhooks;

/// <summary>Reads and writes an endpoint's signing secrets, encrypted at rest with the platform's data key.</summary>
public sealed class EndpointSecrets(PersonalDataProtector protector)
{
    public IReadOnlyList<WebhookSecret> All(WebhookEndpoint e) =>
        string.IsNullOrEmpty(e.SecretsProtected) ? [] : JsonSerializer.Deserialize<List<WebhookSecret>>(protector.Decrypt(e.SecretsProtected), JsonDefaults.Api) ?? [];

    public void Store(WebhookEndpoint e, IEnumerable<WebhookSecret> secrets) =>
        e.SecretsProtected = protector.Encrypt(JsonSerializer.Serialize(secrets.ToList(), JsonDefaults.Api));

    /// <summary>The secrets messages are signed with now: the newest, and the previous one until it expires.</summary>
    public IReadOnlyList<WebhookSecret> Active(WebhookEndpoint e, DateTimeOffset now) =>
        All(e).Where(s => s.ExpiresAt is null || s.ExpiresAt > now).OrderByDescending(s => s.CreatedAt).Take(2).ToList();
}
