using JinDu.BuildingBlocks.Data;
using JinDu.Screening.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Screening.Infrastructure;

public sealed class ScreeningDbContext(DbContextOptions<ScreeningDbContext> options) : ServiceDbContext(options)
{
    public DbSet<Checkpoint> Checkpoints => Set<Checkpoint>();
    public DbSet<Inspection> Inspections => Set<Inspection>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<Checkpoint>(e =>
        {
            e.ToTable("checkpoints");
            e.HasIndex(x => x.PublicId).IsUnique();
            e.HasIndex(x => x.AgencyCode);
            e.Property(x => x.AgencyCode).HasMaxLength(6);
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.Location).HasMaxLength(300);
            e.Property(x => x.Kind).HasConversion<string>().HasMaxLength(30);
        });
        modelBuilder.Entity<Inspection>(e =>
        {
            e.ToTable("inspections");
            e.HasIndex(x => x.PublicId).IsUnique();
            e.HasIndex(x => new { x.AgencyCode, x.Id });
            e.Property(x => x.AgencyCode).HasMaxLength(6);
            e.Property(x => x.OfficerId).HasMaxLength(200);
            e.Property(x => x.OfficerName).HasMaxLength(200);
            e.Property(x => x.Method).HasConversion<string>().HasMaxLength(30);
            e.Property(x => x.Result).HasConversion<string>().HasMaxLength(30);
            e.Property(x => x.Notes).HasMaxLength(2000);
            e.HasOne(x => x.Checkpoint).WithMany().HasForeignKey(x => x.CheckpointId);
            e.OwnsMany(x => x.Subjects, s =>
            {
                s.ToTable("inspection_subjects");
                s.WithOwner().HasForeignKey("InspectionId");
                s.Property<long>("Id");
                s.HasKey("Id");
                s.HasIndex(x => x.Token);
                s.Property(x => x.Kind).HasConversion<string>().HasMaxLength(20);
                s.Property(x => x.Token).HasMaxLength(64);
                s.Property(x => x.Masked).HasMaxLength(64);
                s.Property(x => x.HouseholdCode).HasMaxLength(6);
            });
            e.OwnsMany(x => x.Seizures, s =>
            {
                s.ToTable("inspection_seizures");
                s.WithOwner().HasForeignKey("InspectionId");
                s.Property<long>("Id");
                s.HasKey("Id");
                s.Property(x => x.Substance).HasMaxLength(50);
                s.Property(x => x.Grams).HasPrecision(14, 3);
            });
        });
    }
}
