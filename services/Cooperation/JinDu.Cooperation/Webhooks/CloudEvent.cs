using System.Text.Json;
using System.Text.Json.Serialization;
using JinDu.Cooperation.Model;

namespace JinDu.Cooperation.Webhooks;

/// <summary>The data of a notification's CloudEvent: the notification as the inbox shows it.</summary>
public sealed record NotificationData(Guid Id, string RecipientAgency, long Sequence, string Type, string Title, string SourceAgency,
    DateTimeOffset CreatedAt, JsonElement Payload);

/// <summary>
/// A CloudEvents 1.0 structured-mode JSON event (application/cloudevents+json). <c>sequence</c> is the
/// CloudEvents sequence extension (a string): the notification's position in the recipient's stream.
/// </summary>
public sealed record CloudEvent(
    [property: JsonPropertyName("specversion")] string SpecVersion,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("time")] DateTimeOffset Time,
    [property: JsonPropertyName("datacontenttype")] string DataContentType,
    [property: JsonPropertyName("sequence")] string Sequence,
    [property: JsonPropertyName("data")] NotificationData Data)
{
    public const string ContentType = "application/cloudevents+json";
    public const string TypePrefix = "cn.jindu.cooperation.notification.";

    public static CloudEvent Of(Notification n) => new("1.0", n.PublicId.ToString(), $"/jindu/cooperation/agencies/{n.SourceAgency}",
        TypePrefix + n.Type, $"{n.RecipientAgency}/{n.Sequence}", n.CreatedAt, "application/json", n.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
        new NotificationData(n.PublicId, n.RecipientAgency, n.Sequence, n.Type, n.Title, n.SourceAgency, n.CreatedAt,
            JsonDocument.Parse(n.Payload).RootElement.Clone()));
}
