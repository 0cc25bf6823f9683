using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace JinDu.BuildingBlocks.Privacy;

/// <summary>
/// Keys for personal data: AES-256-GCM keys by id (one active, older ones kept to read old rows: rotation),
/// and one HMAC key for matching tokens, which every service must share so tokens match across services.
/// Loaded from configuration section PersonalData (ActiveKeyId, Keys:{id}=base64, TokenKey=base64)
/// or from a key file (PersonalData:KeyFile), which the standalone mode creates on first start.
/// </summary>
public sealed class PersonalDataKeys
{
    [JsonPropertyName("activeKeyId")] public string ActiveKeyId { get; init; } = "";
    [JsonPropertyName("keys")] public Dictionary<string, string> Keys { get; init; } = [];
    [JsonPropertyName("tokenKey")] public string TokenKey { get; init; } = "";

    public static PersonalDataKeys Generate() => new()
    {
        ActiveKeyId = "k1",
        Keys = new() { ["k1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) },
        TokenKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    };

    public static PersonalDataKeys LoadOrCreateFile(string path, bool create)
    {
        if (!File.Exists(path))
        {
            if (!create) throw new InvalidOperationException($"personal-data key file {path} does not exist");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            try
            {
                // CreateNew is an exclusive create: when several processes start at once exactly one
                // writes the keys; the others find the file and read it below.
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                var keys = Generate();
                using var stream = new FileStream(path, options);
                JsonSerializer.Serialize(stream, keys, new JsonSerializerOptions { WriteIndented = true });
                stream.Flush(flushToDisk: true);
                return keys;
            }
            catch (IOException) when (File.Exists(path))
            {
                // another process created it first
            }
        }
        // The creator may still be writing: wait a little for a whole file rather than fail on half of one.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var keys = JsonSerializer.Deserialize<PersonalDataKeys>(File.ReadAllText(path));
                if (keys is not null) return keys;
            }
            catch (JsonException) when (attempt < 50)
            {
            }
            if (attempt >= 50) throw new InvalidOperationException($"personal-data key file {path} is empty or not JSON");
            Thread.Sleep(100);
        }
    }

    internal void Validate()
    {
        if (!Keys.TryGetValue(ActiveKeyId, out var active) || Convert.FromBase64String(active).Length != 32)
            throw new InvalidOperationException("PersonalData: the active key must be a base64 256-bit key listed under Keys");
        if (Convert.FromBase64String(TokenKey).Length < 32)
            throw new InvalidOperationException("PersonalData: TokenKey must be a base64 key of at least 256 bits");
    }
}
