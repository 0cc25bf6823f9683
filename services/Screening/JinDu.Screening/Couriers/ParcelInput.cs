namespace JinDu.Screening.Couriers;

public sealed record SenderInput(string? Name, string? IdNumber, string? Phone);

/// <summary>
/// One record of a courier's parcel feed, as it arrives over gRPC (mapped from ParcelRecord) or HTTP
/// (NDJSON lines or CSV rows with these names).
/// </summary>
public sealed record ParcelInput(
    string? Waybill,
    string? Company,
    string? OutletCode,
    DateTimeOffset? AcceptedAt,
    SenderInput? Sender,
    string? RecipientPhone,
    string? RecipientRegion,
    string? OriginRegion,
    string? DestinationRegion,
    string? DeclaredContents,
    int? WeightGrams,
    bool RealNameVerified,
    bool OpenedAndInspected,
    string? Inspector,
    bool XRayed,
    string? XRayMachine,
    string? XRayResult);

public enum ReceiptStatus
{
    Accepted,
    Rejected,
}

/// <summary>The answer for one record, in the order the records came (like the ICS2 receipts).</summary>
public sealed record ParcelReceiptView(long Position, string Waybill, ReceiptStatus Status, string? ErrorCode = null, string? Field = null, string? Message = null);
