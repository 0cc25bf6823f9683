using System.Text.Json;
using System.Text.Json.Serialization;

namespace JinDu.BuildingBlocks.Hosting;

/// <summary>The public API's JSON: camelCase names, enumerations as lower-case strings (snake_case), no nulls.</summary>
public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Api = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        return o;
    }
}
