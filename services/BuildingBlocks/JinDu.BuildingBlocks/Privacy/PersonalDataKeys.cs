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
            var full = Path.GetFullPath(path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            // Written whole to a temporary file, then moved into place without overwriting: when several
            // processes start at once, exactly one file wins and nobody reads a half-written one.
            var temp = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temp, options))
                JsonSerializer.Serialize(stream, Generate(), new JsonSerializerOptions { WriteIndented = true });
            try
            {
                File.Move(temp, full, overwrite: false);
            }
            catch (IOException) when (File.Exists(full))
            {
                File.Delete(temp); // another process created it first; use theirs
            }
        }
        return JsonSerializer.Deserialize<PersonalDataKeys>(File.ReadAllText(path))
            ?? throw new InvalidOperationException($"personal-data key file {path} is empty");
    }

    internal void Validate()
    {
        if (!Keys.TryGetValue(ActiveKeyId, out var active) || Convert.FromBase64String(active).Length != 32)
            throw new InvalidOperationException("PersonalData: the active key must be a base64 256-bit key listed under Keys");
        if (Convert.FromBase64String(TokenKey).Length < 32)
            throw new InvalidOperationException("PersonalData: TokenKey must be a base64 key of at least 256 bits");
    }
}
