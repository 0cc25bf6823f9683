namespace JinDu.Screening.Model;

public enum CheckpointKind
{
    Highway,
    RailStation,
    LogisticsPark,
    Road,
}

/// <summary>A place where an agency's officers inspect vehicles, people and parcels.</summary>
public sealed class Checkpoint
{
    public long Id { get; set; }
    public Guid PublicId { get; set; }
    public string AgencyCode { get; set; } = "";
    public string Name { get; set; } = "";
    public CheckpointKind Kind { get; set; }
    public string Location { get; set; } = "";
    public bool Active { get; set; } = true;
}
