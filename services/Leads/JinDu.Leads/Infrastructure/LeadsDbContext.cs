using JinDu.BuildingBlocks.Data;
using JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Infrastructure;

public sealed class LeadsDbContext(DbContextOptions<LeadsDbContext> options) : ServiceDbContext(options)
{
    public DbSet<Lead> Leads => Set<Lead>();
    public DbSet<HitConfirmationTask> HitTasks => Set<HitConfirmationTask>();
    public DbSet<SharingRequest> SharingRequests => Set<SharingRequest>();
    public DbSet<AccessRequest> AccessRequests => Set<AccessRequest>();
    public DbSet<Tip> Tips => Set<Tip>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<Lead>(e =>
        {
            e.ToTable("leads");
            e.HasIndex(x => x.PublicId).IsUnique();
            e.HasIndex(x => x.Reference).IsUnique();
            e.HasIndex(x => new { x.OwnerAgency, x.Id });
            e.HasIndex(x => new { x.OwnerAgency, x.Status });
            e.Property(x => x.Reference).HasMaxLength(40);
            e.Property(x => x.OwnerAgency).HasMaxLength(6);
            e.Property(x => x.Summary).HasMaxLength(2000);
            e.Property(x => x.Source).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.Reliability).HasMaxLength(1);
            e.Property(x => x.Sharing).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.Handling).HasConversion<string>().HasMaxLength(2);
            e.Property(x => x.HandlingConditions).HasMaxLength(500);
            e.Property(x => x.Assignee).HasMaxLength(200);
            e.Property(x => x.CaseNumber).HasMaxLength(50);
            e.Property(x => x.CloseReason).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.Property(x => x.ShareGroup).HasMaxLength(100);
            e.OwnsMany(x => x.Recipients, r =>
            {
                r.ToTable("lead_recipients");
                r.WithOwner().HasForeignKey("LeadId");
                r.Property<long>("Id");
                r.HasKey("Id");
                r.HasIndex(x => x.Agency);
                r.Property(x => x.Agency).HasMaxLength(6);
                r.Property(x => x.Via).HasConversion<string>().HasMaxLength(20);
                r.Property(x => x.By).HasMaxLength(200);
            });
            e.OwnsMany(x => x.Subjects, s =>
            {
                s.ToTable("lead_subjects");
                s.WithOwner().HasForeignKey("LeadId");
                s.Property<long>("Id");
                s.HasKey("Id");
                s.HasIndex(x => x.Token);
                s.Property(x => x.Kind).HasConversion<string>().HasMaxLength(20);
                s.Property(x => x.Token).HasMaxLength(64);
                s.Property(x => x.Masked).HasMaxLength(64);
                s.Property(x => x.Encrypted).HasMaxLength(1000);
            });
            e.OwnsMany(x => x.Timeline, t =>
            {
                t.ToTable("lead_timeline");
                t.WithOwner().HasForeignKey("LeadId");
                t.Property<long>("Id");
                t.HasKey("Id");
                t.Property(x => x.Actor).HasMaxLength(200);
                t.Property(x => x.Action).HasMaxLength(50);
                t.Property(x => x.Detail).HasMaxLength(2000);
            });
            e.OwnsMany(x => x.Links, l =>
            {
                l.ToTable("lead_links");
                l.WithOwner().HasForeignKey("LeadId");
                l.Property<long>("Id");
                l.HasKey("Id");
                l.HasIndex("LeadId", nameof(LeadLink.OtherLeadId)).IsUnique();
                l.Property(x => x.OtherReference).HasMaxLength(40);
                l.Property(x => x.OtherAgency).HasMaxLength(6);
                l.Property(x => x.Kind).HasConversion<string>().HasMaxLength(20);
            });
        });
        modelBuilder.Entity<SharingRequest>(e =>
        {
            e.ToTable("sharing_requests");
            e.HasIndex(x => x.PublicId).IsUnique();
            e.HasIndex(x => new { x.OwnerAgency, x.Status });
            e.Property(x => x.OwnerAgency).HasMaxLength(6);
            e.Property(x => x.Level).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.GroupName).HasMaxLength(100);
            e.Property(x => x.Handling).HasConversion<string>().HasMaxLength(2);
            e.Property(x => x.HandlingConditions).HasMaxLength(500);
            e.Property(x => x.RequestedBy).HasMaxLength(200);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.DecidedBy).HasMaxLength(200);
            e.Property(x => x.Reason).HasMaxLength(1000);
        });
        modelBuilder.Entity<AccessRequest>(e =>
        {
            e.ToTable("access_requests");
            e.HasIndex(x => x.PublicId).IsUnique();
            e.HasIndex(x => new { x.OwnerAgency, x.Id });
            e.HasIndex(x => new { x.RequesterAgency, x.Id });
            e.Property(x => x.LeadReference).HasMaxLength(40);
            e.Property(x => x.OwnerAgency).HasMaxLength(6);
            e.Property(x => x.RequesterAgency).HasMaxLength(6);
            e.Property(x => x.RequestedBy).HasMaxLength(200);
            e.Property(x => x.Reason).HasMaxLength(1000);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.DecidedBy).HasMaxLength(200);
            e.Property(x => x.Answer).HasMaxLength(1000);
            e.Property(x => x.Version).IsConcurrencyToken();
        });
        modelBuilder.Entity<Tip>(e =>
        {
            e.ToTable("tips");
            e.HasIndex(x => x.PublicId).IsUnique();
            e.HasIndex(x => x.ReceiptHash).IsUnique();
            e.HasIndex(x => new { x.Agency, x.Id });
            e.HasOne(x => x.Lead).WithMany().HasForeignKey(x => x.LeadId);
            e.Property(x => x.ReceiptHash).HasMaxLength(64);
            e.Property(x => x.Agency).HasMaxLength(6);
            e.Property(x => x.ContactEncrypted).HasMaxLength(1000);
            e.Property(x => x.ContactMasked).HasMaxLength(100);
            e.Property(x => x.Reward).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.RewardDecidedBy).HasMaxLength(200);
            e.Property(x => x.RewardNote).HasMaxLength(1000);
            e.Property(x => x.Version).IsConcurrencyToken();
        });
        modelBuilder.Entity<HitConfirmationTask>(e =>
        {
            e.ToTable("hit_confirmation_tasks");
            e.HasIndex(x => x.PublicId).IsUnique();
            // One task per lead and hit, however often the flag is delivered.
            e.HasIndex(x => new { x.LeadId, x.HitId }).IsUnique();
            e.HasIndex(x => new { x.Status, x.DueAt });
            e.HasIndex(x => new { x.OwnerAgency, x.Id });
            e.Property(x => x.OwnerAgency).HasMaxLength(6);
            e.Property(x => x.LeadReference).HasMaxLength(40);
            e.Property(x => x.HitAgency).HasMaxLength(6);
            e.Property(x => x.HitDescription).HasMaxLength(300);
            e.Property(x => x.Urgency).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.AnsweredBy).HasMaxLength(200);
            e.Property(x => x.Note).HasMaxLength(1000);
            e.Property(x => x.Version).IsConcurrencyToken();
        });
    }
}
