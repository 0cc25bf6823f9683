using System.Security.Cryptography;
using System.Text;

namespace JinDu.BuildingBlocks.Audit;

/// <summary>
/// One line of the audit trail (DESIGN.md §4, §6): who, what, when (UTC), from where, and the outcome.
/// Entries are written in the same transaction as what they record; the chainer then seals them in
/// order, each hash covering the entry and the hash before it, so a changed or removed entry shows.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string Actor { get; set; } = "";
    public string ActorAgency { get; set; } = "";
    /// <summary>read_personal_data, create, update, read_audit_trail, …</summary>
    public string Action { get; set; } = "";
    /// <summary>What was touched, e.g. inspection/0193…; never a personal-data value.</summary>
    public string Target { get; set; } = "";
    public string Outcome { get; set; } = "success";
    public string? From { get; set; }
    public string? Detail { get; set; }
    /// <summary>Set when the entry is sealed into the chain; null until then.</summary>
    public string? PreviousHash { get; set; }
    public string? Hash { get; set; }

    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public string ComputeHash(string previousHash)
    {
        var canonical = string.Join('\u001f', Id.ToString(), At.UtcTicks.ToString(), Actor, ActorAgency, Action, Target, Outcome, From ?? "", Detail ?? "", previousHash);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))).ToLowerInvariant();
    }
}
