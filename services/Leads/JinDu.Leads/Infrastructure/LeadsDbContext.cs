using JinDu.BuildingBlocks.Data;
using JinDu.Leads.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Leads.Infrastructure;

public sealed class LeadsDbContext(DbContextOptions<LeadsDbContext> options) : ServiceDbContext(options)
{
    public DbSet<Lead> Leads => Set<Lead>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<Lead>(e =>
        {
            e.ToTable("leads");
            e.HasIndex(x => x.PublicId).IsUnique();
            e.HasIndex(x => x.Reference).IsUnique();
            e.HasIndex(x => new { x.OwnerAgency, x.Id });
            e.Property(x => x.Reference).HasMaxLength(40);
            e.Property(x => x.OwnerAgency).HasMaxLength(6);
            e.Property(x => x.Summary).HasMaxLength(2000);
            e.Property(x => x.Source).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(20);
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
        });
    }
}
