using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JinDu.Cooperation.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class SupervisorApproval : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "DecidedAt",
                table: "assistance_requests",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DecidedBy",
                table: "assistance_requests",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RefusalReasonProtected",
                table: "assistance_requests",
                type: "text",
                nullable: true);

            // Requests made before approval existed went out when they were made: they stay visible to the assisting agency.
            migrationBuilder.Sql("""UPDATE assistance_requests SET "DecidedAt" = "CreatedAt", "DecidedBy" = "CreatedBy" WHERE "DecidedAt" IS NULL;""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "DecidedAt",
                table: "assistance_requests");

            migrationBuilder.DropColumn(
                name: "DecidedBy",
                table: "assistance_requests");

            migrationBuilder.DropColumn(
                name: "RefusalReasonProtected",
                table: "assistance_requests");
        }
    }
}
