using System.Text.Json;

namespace JinDu.BuildingBlocks.Hosting;

/// <summary>Enumerations as the API writes them: lower-case snake_case strings (positive_test, x_ray).</summary>
public static class EnumText
{
    public static string Of<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    public static string Allowed<T>() where T : struct, Enum => string.Join(", ", Enum.GetValues<T>().Select(Of));

    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        foreach (var v in Enum.GetValues<T>())
        {
            if (string.Equals(Of(v), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                value = v;
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>Parses a required enumeration field, naming it in <paramref name="errors"/> when missing or unknown.</summary>
    public static T Required<T>(string? text, string field, ValidationErrors errors) where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(text)) errors.Add(field, "is required");
        else if (!TryParse<T>(text, out var value)) errors.Add(field, $"must be one of: {Allowed<T>()}");
        else return value;
        return default;
    }
}
