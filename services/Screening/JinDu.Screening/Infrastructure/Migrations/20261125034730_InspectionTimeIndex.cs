using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JinDu.Screening.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class InspectionTimeIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_inspections_AgencyCode_InspectedAt",
                table: "inspections",
                columns: new[] { "AgencyCode", "InspectedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_inspections_AgencyCode_InspectedAt",
                table: "inspections");
        }
    }
}
