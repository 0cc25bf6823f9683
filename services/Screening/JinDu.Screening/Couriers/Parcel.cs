namespace JinDu.Screening.Couriers;

/// <summary>
/// The latest version of one waybill in a courier's feed. Personal data only encrypted, with tokens
/// for matching; the compliance flags are what the "three 100%" roll-ups count.
/// </summary>
public sealed class Parcel
{
    public long Id { get; set; }
    public string Company { get; set; } = "";
    public string Waybill { get; set; } = "";
    public string WaybillToken { get; set; } = "";
    public string OutletCode { get; set; } = "";
    /// <summary>The outlet's county (the origin region): whose supervisors see this parcel's figures.</summary>
    public string OutletRegion { get; set; } = "";
    /// <summary>yyyyMMdd of AcceptedAt in China Standard Time: the roll-up day.</summary>
    public int Day { get; set; }
    public DateTimeOffset AcceptedAt { get; set; }
    public string SenderNameEncrypted { get; set; } = "";
    public string SenderIdEncrypted { get; set; } = "";
    public string SenderIdToken { get; set; } = "";
    public string SenderIdMasked { get; set; } = "";
    public string SenderPhoneEncrypted { get; set; } = "";
    public string SenderPhoneToken { get; set; } = "";
    public string RecipientPhoneEncrypted { get; set; } = "";
    public string RecipientPhoneToken { get; set; } = "";
    public string RecipientRegion { get; set; } = "";
    public string DestinationRegion { get; set; } = "";
    public string DeclaredContents { get; set; } = "";
    public int WeightGrams { get; set; }
    public bool RealNameVerified { get; set; }
    public bool OpenedAndInspected { get; set; }
    public string? Inspector { get; set; }
    public bool XRayed { get; set; }
    public string? XRayMachine { get; set; }
    public string? XRayResult { get; set; }
    /// <summary>How many times the courier sent this waybill; counted once whatever the number.</summary>
    public int Version { get; set; } = 1;
    public DateTimeOffset ReceivedAt { get; set; }

    public bool AllThree => RealNameVerified && OpenedAndInspected && XRayed;
    public bool Suspicious => XRayResult == "suspicious";
}

/// <summary>Counts of one outlet's day, kept current with every stored batch.</summary>
public sealed class OutletDay
{
    public string Company { get; set; } = "";
    public string OutletCode { get; set; } = "";
    public int Day { get; set; }
    public string OutletRegion { get; set; } = "";
    public int Parcels { get; set; }
    public int RealNameVerified { get; set; }
    public int OpenedAndInspected { get; set; }
    public int XRayed { get; set; }
    public int AllThree { get; set; }
    public int Suspicious { get; set; }
    /// <summary>When the day first fell under 100% (and CourierComplianceBreached was raised); null while compliant.</summary>
    public DateTimeOffset? BreachedAt { get; set; }
}

public enum ReferralAction
{
    Hold,
    Inspect,
    Release,
}

/// <summary>An instruction to a courier about one waybill (指令).</summary>
public sealed class Referral
{
    public long Id { get; set; }
    public Guid PublicId { get; set; }
    public string Company { get; set; } = "";
    /// <summary>Numbered per company, so a courier can resume from a position.</summary>
    public long Sequence { get; set; }
    public string Waybill { get; set; } = "";
    public ReferralAction Action { get; set; }
    public string Reason { get; set; } = "";
    public string IssuingAgency { get; set; } = "";
    public DateTimeOffset IssuedAt { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
}
