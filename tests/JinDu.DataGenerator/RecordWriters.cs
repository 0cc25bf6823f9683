using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace JinDu.DataGenerator;

/// <summary>
/// Writes generated records as NDJSON (camelCase names, one record a line) or CSV (a header row, then one
/// record a row). NDJSON comes in two shapes: the API's (a courier feed's ParcelInput with its nested sender,
/// or the inspection API's request with its nested subject), ready to post; or flat (every property of the record).
/// CSV is always flat.
/// </summary>
public static class RecordWriters
{
    private static readonly JsonWriterOptions JsonOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // names and contents stay readable Chinese
        SkipValidation = true,
    };

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static void WriteNdjson(Stream output, IEnumerable<GeneratedParcel> parcels, bool flat = false)
    {
        using var json = new Utf8JsonWriter(output, JsonOptions);
        foreach (var p in parcels)
        {
            json.WriteStartObject();
            json.WriteString(N.Waybill, p.Waybill);
            json.WriteString(N.Company, p.Company);
            json.WriteString(N.OutletCode, p.OutletCode);
            if (flat) json.WriteString(N.OutletRegion, p.OutletRegion);
            json.WriteString(N.AcceptedAt, p.AcceptedAt.UtcDateTime);
            if (flat)
            {
                json.WriteString(N.SenderName, p.SenderName);
                json.WriteString(N.SenderIdNumber, p.SenderIdNumber);
                json.WriteString(N.SenderPhone, p.SenderPhone);
            }
            else
            {
                json.WriteStartObject(N.Sender);
                json.WriteString(N.Name, p.SenderName);
                json.WriteString(N.IdNumber, p.SenderIdNumber);
                json.WriteString(N.Phone, p.SenderPhone);
                json.WriteEndObject();
            }
            json.WriteString(N.RecipientPhone, p.RecipientPhone);
            json.WriteString(N.RecipientRegion, p.RecipientRegion);
            json.WriteString(N.OriginRegion, p.OriginRegion);
            json.WriteString(N.DestinationRegion, p.DestinationRegion);
            json.WriteString(N.DeclaredContents, p.DeclaredContents);
            json.WriteNumber(N.WeightGrams, p.WeightGrams);
            json.WriteBoolean(N.RealNameVerified, p.RealNameVerified);
            json.WriteBoolean(N.OpenedAndInspected, p.OpenedAndInspected);
            json.WriteString(N.Inspector, p.Inspector);
            json.WriteBoolean(N.XRayed, p.XRayed);
            json.WriteString(N.XRayMachine, p.XRayMachine);
            json.WriteString(N.XRayResult, p.XRayResult);
            if (flat) json.WriteNumber(N.Version, p.Version);
            json.WriteEndObject();
            EndLine(json, output);
        }
        json.Flush();
    }

    public static void WriteNdjson(Stream output, IEnumerable<GeneratedInspection> inspections, bool flat = false)
    {
        using var json = new Utf8JsonWriter(output, JsonOptions);
        foreach (var r in inspections)
        {
            json.WriteStartObject();
            if (r.CheckpointId is { } id) json.WriteString(N.CheckpointId, id);
            else json.WriteNull(N.CheckpointId);
            if (flat) json.WriteString(N.CheckpointKind, r.CheckpointKind);
            json.WriteString(N.InspectedAt, r.InspectedAt.UtcDateTime);
            json.WriteString(N.Method, r.Method);
            json.WriteString(N.Result, r.Result);
            if (!flat) json.WriteStartObject(N.Subject);
            json.WriteString(N.IdNumber, r.IdNumber);
            json.WriteString(N.Name, r.Name);
            json.WriteString(N.Plate, r.Plate);
            json.WriteString(N.Phone, r.Phone);
            json.WriteString(N.Waybill, r.Waybill);
            if (flat) json.WriteString(N.WaybillCompany, r.WaybillCompany);
            else json.WriteEndObject();
            json.WriteStartArray(N.Seizures);
            foreach (var s in r.Seizures)
            {
                json.WriteStartObject();
                json.WriteString(N.Substance, s.Substance);
                json.WriteNumber(N.Grams, s.Grams);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteString(N.Notes, r.Notes);
            json.WriteEndObject();
            EndLine(json, output);
        }
        json.Flush();
    }

    public static void WriteCsv(Stream output, IEnumerable<GeneratedParcel> parcels)
    {
        using var w = new StreamWriter(output, Utf8, 1 << 16, leaveOpen: true);
        w.Write("waybill,company,outletCode,outletRegion,acceptedAt,senderName,senderIdNumber,senderPhone,recipientPhone,recipientRegion,");
        w.Write("originRegion,destinationRegion,declaredContents,weightGrams,realNameVerified,openedAndInspected,inspector,xRayed,xRayMachine,xRayResult,version\n");
        foreach (var p in parcels)
        {
            Field(w, p.Waybill); Field(w, p.Company); Field(w, p.OutletCode); Field(w, p.OutletRegion);
            Field(w, Iso(p.AcceptedAt)); Field(w, p.SenderName); Field(w, p.SenderIdNumber); Field(w, p.SenderPhone);
            Field(w, p.RecipientPhone); Field(w, p.RecipientRegion); Field(w, p.OriginRegion); Field(w, p.DestinationRegion);
            Field(w, p.DeclaredContents); Field(w, p.WeightGrams.ToString(CultureInfo.InvariantCulture));
            Field(w, Bool(p.RealNameVerified)); Field(w, Bool(p.OpenedAndInspected)); Field(w, p.Inspector);
            Field(w, Bool(p.XRayed)); Field(w, p.XRayMachine); Field(w, p.XRayResult);
            Field(w, p.Version.ToString(CultureInfo.InvariantCulture), last: true);
        }
    }

    public static void WriteCsv(Stream output, IEnumerable<GeneratedInspection> inspections)
    {
        using var w = new StreamWriter(output, Utf8, 1 << 16, leaveOpen: true);
        w.Write("checkpointId,checkpointKind,inspectedAt,method,result,idNumber,name,plate,phone,waybill,waybillCompany,seizures,notes\n");
        foreach (var r in inspections)
        {
            Field(w, r.CheckpointId?.ToString()); Field(w, r.CheckpointKind); Field(w, Iso(r.InspectedAt));
            Field(w, r.Method); Field(w, r.Result); Field(w, r.IdNumber); Field(w, r.Name); Field(w, r.Plate);
            Field(w, r.Phone); Field(w, r.Waybill); Field(w, r.WaybillCompany);
            // substance:grams pairs separated by semicolons, e.g. heroin:12.5;ketamine:3.0
            Field(w, string.Join(';', r.Seizures.Select(s => $"{s.Substance}:{s.Grams.ToString(CultureInfo.InvariantCulture)}")));
            Field(w, r.Notes, last: true);
        }
    }

    private static void EndLine(Utf8JsonWriter json, Stream output)
    {
        json.Flush();
        output.WriteByte((byte)'\n');
        json.Reset(output);
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Bool(bool b) => b ? "true" : "false";

    private static void Field(StreamWriter w, string? value, bool last = false)
    {
        if (value is not null)
        {
            if (value.AsSpan().IndexOfAny(",\"\n\r") >= 0)
            {
                w.Write('"');
                w.Write(value.Replace("\"", "\"\""));
                w.Write('"');
            }
            else w.Write(value);
        }
        w.Write(last ? '\n' : ',');
    }

    /// <summary>Property names, encoded once.</summary>
    private static class N
    {
        public static readonly JsonEncodedText Waybill = JsonEncodedText.Encode("waybill");
        public static readonly JsonEncodedText Company = JsonEncodedText.Encode("company");
        public static readonly JsonEncodedText OutletCode = JsonEncodedText.Encode("outletCode");
        public static readonly JsonEncodedText OutletRegion = JsonEncodedText.Encode("outletRegion");
        public static readonly JsonEncodedText AcceptedAt = JsonEncodedText.Encode("acceptedAt");
        public static readonly JsonEncodedText Sender = JsonEncodedText.Encode("sender");
        public static readonly JsonEncodedText SenderName = JsonEncodedText.Encode("senderName");
        public static readonly JsonEncodedText SenderIdNumber = JsonEncodedText.Encode("senderIdNumber");
        public static readonly JsonEncodedText SenderPhone = JsonEncodedText.Encode("senderPhone");
        public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
        public static readonly JsonEncodedText IdNumber = JsonEncodedText.Encode("idNumber");
        public static readonly JsonEncodedText Phone = JsonEncodedText.Encode("phone");
        public static readonly JsonEncodedText Plate = JsonEncodedText.Encode("plate");
        public static readonly JsonEncodedText RecipientPhone = JsonEncodedText.Encode("recipientPhone");
        public static readonly JsonEncodedText RecipientRegion = JsonEncodedText.Encode("recipientRegion");
        public static readonly JsonEncodedText OriginRegion = JsonEncodedText.Encode("originRegion");
        public static readonly JsonEncodedText DestinationRegion = JsonEncodedText.Encode("destinationRegion");
        public static readonly JsonEncodedText DeclaredContents = JsonEncodedText.Encode("declaredContents");
        public static readonly JsonEncodedText WeightGrams = JsonEncodedText.Encode("weightGrams");
        public static readonly JsonEncodedText RealNameVerified = JsonEncodedText.Encode("realNameVerified");
        public static readonly JsonEncodedText OpenedAndInspected = JsonEncodedText.Encode("openedAndInspected");
        public static readonly JsonEncodedText Inspector = JsonEncodedText.Encode("inspector");
        public static readonly JsonEncodedText XRayed = JsonEncodedText.Encode("xRayed");
        public static readonly JsonEncodedText XRayMachine = JsonEncodedText.Encode("xRayMachine");
        public static readonly JsonEncodedText XRayResult = JsonEncodedText.Encode("xRayResult");
        public static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
        public static readonly JsonEncodedText CheckpointId = JsonEncodedText.Encode("checkpointId");
        public static readonly JsonEncodedText CheckpointKind = JsonEncodedText.Encode("checkpointKind");
        public static readonly JsonEncodedText InspectedAt = JsonEncodedText.Encode("inspectedAt");
        public static readonly JsonEncodedText Method = JsonEncodedText.Encode("method");
        public static readonly JsonEncodedText Result = JsonEncodedText.Encode("result");
        public static readonly JsonEncodedText Subject = JsonEncodedText.Encode("subject");
        public static readonly JsonEncodedText WaybillCompany = JsonEncodedText.Encode("waybillCompany");
        public static readonly JsonEncodedText Seizures = JsonEncodedText.Encode("seizures");
        public static readonly JsonEncodedText Substance = JsonEncodedText.Encode("substance");
        public static readonly JsonEncodedText Grams = JsonEncodedText.Encode("grams");
        public static readonly JsonEncodedText Notes = JsonEncodedText.Encode("notes");
    }
}
