namespace JinDu.DataGenerator;

/// <summary>The roll-up key: one outlet's day.</summary>
public readonly record struct ComplianceKey(string Company, string OutletCode, DateOnly Day);

/// <summary>One outlet-day's counts over distinct waybills, each counted once in its latest version.</summary>
public sealed class ComplianceCounts
{
    public ComplianceCounts(string outletRegion) => OutletRegion = outletRegion;

    public string OutletRegion { get; }
    public int Total { get; private set; }
    public int RealNameOk { get; private set; }
    public int OpenedOk { get; private set; }
    public int XRayOk { get; private set; }
    public int AllOk { get; private set; }
    public int Suspicious { get; private set; }

    /// <summary>All three checks passed, as a share of the parcels (1 when there are none).</summary>
    public double ComplianceRate => Total == 0 ? 1 : (double)AllOk / Total;

    public int NonCompliant => Total - AllOk;

    internal void Add(ParcelChecks checks, int sign)
    {
        Total += sign;
        if ((checks & ParcelChecks.RealName) != 0) RealNameOk += sign;
        if ((checks & ParcelChecks.Opened) != 0) OpenedOk += sign;
        if ((checks & ParcelChecks.XRay) != 0) XRayOk += sign;
        if ((checks & ParcelChecks.AllThree) == ParcelChecks.AllThree) AllOk += sign;
        if ((checks & ParcelChecks.Suspicious) != 0) Suspicious += sign;
    }

    internal void Add(ComplianceCounts other)
    {
        Total += other.Total;
        RealNameOk += other.RealNameOk;
        OpenedOk += other.OpenedOk;
        XRayOk += other.XRayOk;
        AllOk += other.AllOk;
        Suspicious += other.Suspicious;
    }

    public override string ToString() =>
        $"{Total} parcels: real-name {RealNameOk}, opened {OpenedOk}, x-ray {XRayOk}, all three {AllOk} ({ComplianceRate:P2}), suspicious {Suspicious}";
}

[Flags]
internal enum ParcelChecks
{
    None = 0,
    RealName = 1,
    Opened = 2,
    XRay = 4,
    AllThree = RealName | Opened | XRay,
    Suspicious = 8,
}

/// <summary>
/// The generator's known counts per (company, outlet, day), computed on the final version of each waybill
/// (latest wins, counted once): what the platform's compliance roll-ups must show after the feed is sent.
/// Complete once <see cref="ParcelGenerator.Generate"/> has been enumerated to the end.
/// </summary>
public sealed class ComplianceTally
{
    private readonly Dictionary<ComplianceKey, ComplianceCounts> _outlets = [];

    /// <summary>Records produced, re-submissions included.</summary>
    public int Records { get; internal set; }

    /// <summary>Records that re-submitted an earlier waybill.</summary>
    public int Resubmissions { get; internal set; }

    /// <summary>Whether the generator ran to the end.</summary>
    public bool IsComplete { get; internal set; }

    public int DistinctWaybills => Records - Resubmissions;

    /// <summary>Outlet-days with at least one parcel.</summary>
    public IReadOnlyDictionary<ComplianceKey, ComplianceCounts> Outlets => _outlets;

    public ComplianceCounts Overall => Sum(_ => true);

    public ComplianceCounts ForCompany(string company) => Sum(e => e.Key.Company == company);

    /// <summary>Everything accepted by outlets in one county (6 digits), a prefecture (4) or a province (2): what that agency sees.</summary>
    public ComplianceCounts ForRegion(string regionPrefix) =>
        Sum(e => e.Value.OutletRegion.StartsWith(regionPrefix, StringComparison.Ordinal));

    public ComplianceCounts Sum(Func<KeyValuePair<ComplianceKey, ComplianceCounts>, bool> where)
    {
        var sum = new ComplianceCounts("");
        foreach (var e in _outlets)
            if (where(e)) sum.Add(e.Value);
        return sum;
    }

    internal ComplianceCounts For(ComplianceKey key, string region)
    {
        if (!_outlets.TryGetValue(key, out var counts)) _outlets[key] = counts = new ComplianceCounts(region);
        return counts;
    }
}
