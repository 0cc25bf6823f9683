using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace JinDu.Leads.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class Tips : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "tips",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PublicId = table.Column<Guid>(type: "uuid", nullable: false),
                    ReceiptHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Agency = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    LeadId = table.Column<long>(type: "bigint", nullable: false),
                    ReceivedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ContactEncrypted = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    ContactMasked = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Reward = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    RewardDecidedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    RewardDecidedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    RewardNote = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_tips", x => x.Id);
                    table.ForeignKey(
                        name: "FK_tips_leads_LeadId",
                        column: x => x.LeadId,
                        principalTable: "leads",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_tips_Agency_Id",
                table: "tips",
                columns: new[] { "Agency", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_tips_LeadId",
                table: "tips",
                column: "LeadId");

            migrationBuilder.CreateIndex(
                name: "IX_tips_PublicId",
                table: "tips",
                column: "PublicId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_tips_ReceiptHash",
                table: "tips",
                column: "ReceiptHash",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "tips");
        }
    }
}
