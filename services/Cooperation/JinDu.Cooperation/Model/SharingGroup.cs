namespace JinDu.Cooperation.Model;

/// <summary>A named list of agencies an owner can share leads with (sharing level `group`).</summary>
public sealed class SharingGroup
{
    public long Id { get; set; }
    public Guid PublicId { get; set; }
    public string OwnerAgency { get; set; } = "";
    public string Name { get; set; } = "";
    public List<string> Members { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
}
